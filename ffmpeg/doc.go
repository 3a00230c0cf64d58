// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package ffmpeg is the FFmpeg backend of streamer, built on go-astiav
// v0.16.0 (FFmpeg 5.1) with a small cgo shim for the per-frame path:
//
//   - Demux: a file, URL or io.Reader into a video and an audio output of
//     encoded frames, with their Codec (extradata, time base, ...).
//   - Decoder: encoded frames to raw I420/NV12/... video or S16/F32(P) audio.
//   - Encoder: raw frames to H264, H265, VP8, VP9, AV1, AAC or Opus (or any
//     FFmpeg encoder by name), with audio converted and re-framed as the
//     encoder needs.
//   - Mux: a video and an audio input into MP4, MKV, WebM, MPEG-TS, ...,
//     interleaved by DTS, the trailer written even on cancel or error.
//   - Scaler (swscale) and Resampler (swresample).
//
// A transcode is one graph:
//
//	g := stream.New()
//	vp, ap := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: "in.mp4"}, true, true)
//	v := stream.AddTransform(g, "", vp, ffmpeg.NewVideoDecoder())
//	v = stream.AddTransform(g, "", v, &ffmpeg.Encoder[frame.Video]{Format: frame.H264, GlobalHeader: true})
//	a := stream.AddTransform(g, "", ap, ffmpeg.NewAudioDecoder())
//	a = stream.AddTransform(g, "", a, &ffmpeg.Encoder[frame.Audio]{Format: frame.AAC, GlobalHeader: true})
//	ffmpeg.AddMux(g, "", &ffmpeg.Mux{URL: "out.mkv"}, v, a)
//	err := g.Run(ctx)
//
// Frames made here carry FrameData: the AVPacket or AVFrame itself, with
// one reference per owner; its Planes are views of FFmpeg's buffers and the
// last Release frees them at once (no finalizers). An ffmpeg stage receiving
// a FrameData takes a new reference (av_packet_ref / av_frame_ref), so
// FFmpeg-to-FFmpeg hops copy nothing; frames of other backends are copied
// once into FFmpeg buffers, counted by frame.CopiedBytes.
//
// The package registers itself as the "ffmpeg" backend of stream/media
// (every job: encode, decode, scale, resample, open, write), so that
//
//	import _ "github.com/spinorml/streamer/ffmpeg"
//
// is all a program using package media needs. Its encoders always write
// their headers as extradata (GlobalHeader), H.264 and H.265 also in-band
// before every key frame, so one encoded stream suits every container.
//
// FFmpeg logs to standard error; this package starts it at the "warning"
// level (FFmpeg's own default is "info"), and SetLogLevel changes it. What
// FFmpeg logs while an encoder checks its options or opens comes back in
// the error as well.
package ffmpeg

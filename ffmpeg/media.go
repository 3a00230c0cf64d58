// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// The package registers itself as the "ffmpeg" backend of package media:
// a blank import of it is all a program needs to build media jobs with it.
func init() {
	astiav.RegisterAllDevices() // capture devices (V4L2) as inputs
	media.Register(media.Backend{
		Name: "ffmpeg",
		VideoEncoder: func(e media.VideoEncoding) (stage.Transform[frame.Video, frame.Video], error) {
			enc, err := newVideoEncoder(e)
			if err != nil {
				return nil, err
			}
			return enc, nil
		},
		AudioEncoder: func(e media.AudioEncoding) (stage.Transform[frame.Audio, frame.Audio], error) {
			enc, err := newAudioEncoder(e)
			if err != nil {
				return nil, err
			}
			return enc, nil
		},
		VideoDecoder: func(d media.Decoding) (stage.Transform[frame.Video, frame.Video], error) {
			if err := hasDecoder(d.Codec); err != nil {
				return nil, err
			}
			return decoderFor[frame.Video](d), nil
		},
		AudioDecoder: func(d media.Decoding) (stage.Transform[frame.Audio, frame.Audio], error) {
			if err := hasDecoder(d.Codec); err != nil {
				return nil, err
			}
			return decoderFor[frame.Audio](d), nil
		},
		Scaler:    newMediaScaler,
		Resampler: newMediaResampler,
		Open:      openInput,
		Write:     createOutput,
	})
}

// decoderFor returns the Decoder for d: Conceal decodes past damaged
// packets (SkipErrors), Fail stops at the first.
func decoderFor[T frame.Frame](d media.Decoding) *Decoder[T] {
	return &Decoder[T]{SkipErrors: d.OnError == media.Conceal, Threads: d.Threads}
}

// hasDecoder refuses a codec named at build (Decoding.Codec) that this
// FFmpeg cannot decode; 0 (the codec comes with the frames) passes.
func hasDecoder(f frame.Format) error {
	if f == frame.FormatUnknown {
		return nil
	}
	if id, ok := codecIDs[f]; !ok || astiav.FindDecoder(id) == nil {
		return media.Unsupported("ffmpeg: no %v decoder in this FFmpeg", f)
	}
	return nil
}

// newMediaScaler returns the Scaler for s; a Format swscale has no pixel
// format for is refused.
func newMediaScaler(s media.Scaling) (stage.Transform[frame.Video, frame.Video], error) {
	if _, ok := pixOfFormat(s.Format); s.Format != frame.FormatUnknown && !ok {
		return nil, media.Unsupported("ffmpeg: scale: no FFmpeg pixel format for %v", s.Format)
	}
	return &Scaler{Width: s.Width, Height: s.Height, Format: s.Format}, nil
}

// newMediaResampler returns the Resampler for r; a Format swresample has
// no sample format for is refused.
func newMediaResampler(r media.Resampling) (stage.Transform[frame.Audio, frame.Audio], error) {
	if _, ok := sampleOfFormat(r.Format); r.Format != frame.FormatUnknown && !ok {
		return nil, media.Unsupported("ffmpeg: resample: no FFmpeg sample format for %v", r.Format)
	}
	return &Resampler{Rate: r.Rate, Channels: r.Channels, Format: r.Format, Samples: r.Samples}, nil
}

// muxerNames are FFmpeg's muxers for media's containers. y4m is not
// here: it holds raw frames, and Mux writes encoded ones.
var muxerNames = map[string]string{ //nolint:gochecknoglobals // a table, never written
	"mp4": "mp4", "mov": "mov", "matroska": "matroska", "webm": "webm", "mpegts": "mpegts", "flv": "flv",
	"rtsp": "rtsp", "hls": "hls",
}

// createOutput returns the Mux writing out, in the FFmpeg muxer of its
// container. A container without an FFmpeg muxer here (y4m), a muxer this
// FFmpeg lacks or a codec that muxer says it cannot hold is refused now
// (a muxer that cannot tell, as mpegts, is trusted). Network outputs and
// HLS get their protocol's settings (see liveOutput).
func createOutput(out media.Output) (media.Muxer, error) {
	c, err := media.ContainerOf(out)
	if err != nil {
		return nil, err
	}
	name, ok := muxerNames[c.Name]
	if !ok {
		return nil, media.Unsupported("ffmpeg: write %s: %s holds raw frames and the ffmpeg muxer writes encoded ones (stage.NewY4MWriter writes y4m)", out.URL, c.Name)
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	ofmt := C.av_guess_format(cname, nil, nil)
	if ofmt == nil {
		return nil, media.Unsupported("ffmpeg: write %s: this FFmpeg has no %s muxer", out.URL, name)
	}
	for _, f := range []frame.Format{out.Video, out.Audio} {
		if id, ok := codecIDs[f]; f != frame.FormatUnknown && (!ok || C.avformat_query_codec(ofmt, uint32(id), C.FF_COMPLIANCE_NORMAL) == 0) {
			return nil, media.Unsupported("ffmpeg: write %s: FFmpeg's %s muxer does not take %v", out.URL, name, f)
		}
	}
	m := &Mux{URL: out.URL, Format: name}
	if err := liveOutput(m, out, c); err != nil {
		return nil, err
	}
	return m, nil
}

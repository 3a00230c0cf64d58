// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command live publishes a live test pattern and tone (or a camera) to a
// URL through the backend-neutral API (package media), encoded with live
// settings (a key frame a second with the parameter sets, low-latency
// tuning) and sent at the pace of the clock:
//
//	stage.Pattern (or -camera) → video encoder ─┐
//	                                            ├→ output: rtmp://, srt://, rtsp://, udp://, rtp://, HLS folder
//	stage.Sine                 → audio encoder ─┘
//
// Usage:
//
//	go run ./examples/live -o rtmp://localhost/live/stream
//	go run ./examples/live -o "srt://relay:9000?mode=caller" -size 1280x720 -bitrate 2000000
//	go run ./examples/live -o rtsp://localhost:8554/cam -camera /dev/video0
//	go run ./examples/live -o out/hls/ -segment 2s -seconds 60
//
// The container follows the URL: FLV for rtmp://, MPEG-TS for srt://,
// udp:// and rtp://, an RTSP publish (ANNOUNCE/RECORD) for rtsp://, HLS
// (playlist and segments) for a folder ending in / or a .m3u8 path. A
// progress line shows on a terminal. The first Ctrl-C stops gracefully:
// the encoders flush and the output is finished (RTSP TEARDOWN, the HLS
// playlist's #EXT-X-ENDLIST); a second Ctrl-C cancels at once. A server
// that goes away ends the run with an error naming the URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"

	// The backends: each registers itself with package media.
	_ "github.com/spinorml/streamer/ffmpeg"
	_ "github.com/spinorml/streamer/gst"
	_ "github.com/spinorml/streamer/vaapi"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "live:", err)
		}
		os.Exit(1)
	}
}

// run publishes as the flags in args say, writing its summary to stderr.
func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("live", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "where to publish: rtmp://, srt://, rtsp://, udp://, rtp:// URL, or an HLS folder/ or .m3u8 (required)")
	codec := fs.String("codec", "h264", "video codec: h264 or h265 (FLV holds h264 only)")
	audioCodec := fs.String("audio", "aac", "audio codec: aac, opus (RTSP, MPEG-TS) or none")
	size := fs.String("size", "640x360", "frame size, WxH (the camera's mode with -camera)")
	fpsFlag := fs.String("fps", "30", "frame rate: an integer or N/D")
	seconds := fs.Float64("seconds", 0, "seconds to publish (0: until Ctrl-C)")
	bitrate := fs.Int64("bitrate", 1_000_000, "video bit rate in bits per second (CBR); 0: constant quality")
	segment := fs.Duration("segment", 0, "HLS segment length (default 2s)")
	camera := fs.String("camera", "", "capture device to publish instead of the pattern (/dev/video0)")
	backend := fs.String("backend", "", "backend to prefer: gst or ffmpeg (default: hardware, then software)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var prefer []string
	if *backend != "" {
		prefer = []string{*backend}
	}
	w, h, err := cli.ParseSize(*size)
	if err != nil {
		return fmt.Errorf("-size %q: %w", *size, err)
	}
	fps, err := cli.ParseRate(*fpsFlag)
	if err != nil {
		return fmt.Errorf("-fps %q: %w", *fpsFlag, err)
	}
	withAudio := *audioCodec != "none"
	desc := media.Output{URL: *out, Video: cli.Codecs[*codec], SegmentDuration: *segment}
	switch {
	case *out == "":
		return errors.New("missing -o: name where to publish (rtmp://host/app/key, srt://host:port, rtsp://host/path, udp://host:port, or an HLS folder/)")
	case desc.Video != frame.H264 && desc.Video != frame.H265:
		return fmt.Errorf("-codec %q: want h264 or h265", *codec)
	case *seconds < 0:
		return fmt.Errorf("-seconds %v: want 0 (until Ctrl-C) or more", *seconds)
	case *bitrate < 0:
		return fmt.Errorf("-bitrate %d: want 0 or more", *bitrate)
	}
	if withAudio {
		if desc.Audio = cli.Codecs[*audioCodec]; !desc.Audio.IsAudio() {
			return fmt.Errorf("-audio %q: want aac, opus or none", *audioCodec)
		}
	}
	// The live settings: a key frame a second with its parameter sets,
	// low-latency tuning, so that a receiver can join at any time.
	ve := media.VideoEncoding{Codec: desc.Video}.Live(fps)
	if *bitrate > 0 {
		ve.Rate, ve.Bitrate = media.CBR, *bitrate
	}
	// Every stage is built, and so checked, before anything runs.
	mux, err := media.Create(desc, prefer...)
	if err != nil {
		return err
	}
	venc, err := media.NewVideoEncoder(ve, prefer...)
	if err != nil {
		return err
	}
	frames := int(*seconds*float64(fps.Num)/float64(fps.Den) + 0.5)
	g := stream.New()
	var video *stream.Pipe[frame.Video]
	what := fmt.Sprintf("a %dx%d test pattern", w, h)
	if *camera != "" {
		cam, err := media.Open(media.Input{URL: *camera, Width: w, Height: h, FPS: fps, Decode: true, NoAudio: true}, prefer...)
		if err != nil {
			return err
		}
		video, _ = media.AddInput(g, "camera", cam)
		what = *camera
	} else {
		video = stream.AddSource(g, "pattern", &stage.Pattern{Width: w, Height: h, FPS: fps, Frames: frames, Live: true})
	}
	encoded := stream.AddTransform(g, "video-encoder", video, venc)
	var audio *stream.Pipe[frame.Audio]
	if withAudio {
		aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: desc.Audio}, prefer...)
		if err != nil {
			return err
		}
		tone := &stage.Sine{Samples: 1024, Live: true}
		if frames > 0 {
			tone.Frames = int(*seconds*48000/1024 + 0.5)
		}
		audio = stream.AddTransform(g, "audio-encoder", stream.AddSource(g, "sine", tone), aenc)
	}
	media.AddOutput(g, "output", mux, encoded, audio)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("live"))
	defer release()
	fmt.Fprintf(stderr, "live: publishing %s to %s (Ctrl-C stops)\n", what, *out)
	stopProgress := cli.Progress(g, "video-encoder", frames)
	start := time.Now()
	err = g.Run(ctx)
	stopProgress()
	fmt.Fprintf(stderr, "live: sent %s to %s in %v\n", cli.Written(encoded, audio), *out, time.Since(start).Round(time.Millisecond))
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "live: cancelled")
		return nil
	}
	return err
}

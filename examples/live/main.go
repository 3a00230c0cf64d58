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

// options is what the command line asks for, checked.
type options struct {
	out       string // where to publish
	camera    string // capture device, or "" for the pattern
	w, h      int
	fps       frame.Rational
	frames    int // video frames to publish; 0 until Ctrl-C
	seconds   float64
	desc      media.Output
	ve        media.VideoEncoding
	prefer    []string // backends to prefer
	withAudio bool
}

// run publishes as the flags in args say, writing its summary to stderr.
func run(args []string, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	g, encoded, audio, what, err := build(o)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("live"))
	defer release()
	fmt.Fprintf(stderr, "live: publishing %s to %s (Ctrl-C stops)\n", what, o.out)
	stopProgress := cli.Progress(g, "video-encoder", o.frames)
	start := time.Now()
	err = g.Run(ctx)
	stopProgress()
	fmt.Fprintf(stderr, "live: sent %s to %s in %v\n", cli.Written(encoded, audio), o.out, time.Since(start).Round(time.Millisecond))
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "live: cancelled")
		return nil
	}
	return err
}

// parseOptions parses and checks the flags in args; flag errors and usage
// go to stderr.
func parseOptions(args []string, stderr io.Writer) (options, error) {
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
		return options{}, err
	}
	o := options{out: *out, camera: *camera, seconds: *seconds, withAudio: *audioCodec != "none"}
	if *backend != "" {
		o.prefer = []string{*backend}
	}
	var err error
	if o.w, o.h, err = cli.ParseSize(*size); err != nil {
		return o, fmt.Errorf("-size %q: %w", *size, err)
	}
	if o.fps, err = cli.ParseRate(*fpsFlag); err != nil {
		return o, fmt.Errorf("-fps %q: %w", *fpsFlag, err)
	}
	o.desc = media.Output{URL: *out, Video: cli.Codecs[*codec], SegmentDuration: *segment}
	switch {
	case *out == "":
		return o, errors.New("missing -o: name where to publish (rtmp://host/app/key, srt://host:port, rtsp://host/path, udp://host:port, or an HLS folder/)")
	case o.desc.Video != frame.H264 && o.desc.Video != frame.H265:
		return o, fmt.Errorf("-codec %q: want h264 or h265", *codec)
	case *seconds < 0:
		return o, fmt.Errorf("-seconds %v: want 0 (until Ctrl-C) or more", *seconds)
	case *bitrate < 0:
		return o, fmt.Errorf("-bitrate %d: want 0 or more", *bitrate)
	}
	if o.withAudio {
		if o.desc.Audio = cli.Codecs[*audioCodec]; !o.desc.Audio.IsAudio() {
			return o, fmt.Errorf("-audio %q: want aac, opus or none", *audioCodec)
		}
	}
	// The live settings: a key frame a second with its parameter sets,
	// low-latency tuning, so that a receiver can join at any time.
	o.ve = media.VideoEncoding{Codec: o.desc.Video}.Live(o.fps)
	if *bitrate > 0 {
		o.ve.Rate, o.ve.Bitrate = media.CBR, *bitrate
	}
	o.frames = int(*seconds*float64(o.fps.Num)/float64(o.fps.Den) + 0.5)
	return o, nil
}

// build makes the graph: the video source (pattern or camera) and its
// encoder, the tone and its encoder, into the output. Every stage is built,
// and so checked, before anything runs. It returns the encoded pipes, for
// the summary, and what is published, in words.
func build(o options) (g *stream.Graph, encoded *stream.Pipe[frame.Video], audio *stream.Pipe[frame.Audio], what string, err error) {
	mux, err := media.Create(o.desc, o.prefer...)
	if err != nil {
		return nil, nil, nil, "", err
	}
	venc, err := media.NewVideoEncoder(o.ve, o.prefer...)
	if err != nil {
		return nil, nil, nil, "", err
	}
	g = stream.New()
	var video *stream.Pipe[frame.Video]
	what = fmt.Sprintf("a %dx%d test pattern", o.w, o.h)
	if o.camera != "" {
		cam, err := media.Open(media.Input{URL: o.camera, Width: o.w, Height: o.h, FPS: o.fps, Decode: true, NoAudio: true}, o.prefer...)
		if err != nil {
			return nil, nil, nil, "", err
		}
		video, _ = media.AddInput(g, "camera", cam)
		what = o.camera
	} else {
		video = stream.AddSource(g, "pattern", &stage.Pattern{Width: o.w, Height: o.h, FPS: o.fps, Frames: o.frames, Live: true})
	}
	encoded = stream.AddTransform(g, "video-encoder", video, venc)
	if o.withAudio {
		aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: o.desc.Audio}, o.prefer...)
		if err != nil {
			return nil, nil, nil, "", err
		}
		tone := &stage.Sine{Samples: 1024, Live: true}
		if o.frames > 0 {
			tone.Frames = int(o.seconds*48000/1024 + 0.5)
		}
		audio = stream.AddTransform(g, "audio-encoder", stream.AddSource(g, "sine", tone), aenc)
	}
	media.AddOutput(g, "output", mux, encoded, audio)
	return g, encoded, audio, what, nil
}

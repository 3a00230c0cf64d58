// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command encode encodes test video (and a test tone) into a file through
// the backend-neutral API (package media), on whichever backend does each
// job (-backend names one to prefer):
//
//	stage.Pattern → video encoder ─┐
//	                               ├→ output (MP4, MKV, WebM, MPEG-TS, FLV)
//	stage.Sine    → audio encoder ─┘
//
// Usage:
//
//	go run ./examples/encode -codec h264 -audio aac -frames 300 -size 1280x720 -fps 30 -o out.mp4
//
// -codec is h264, h265, vp8, vp9 or av1; -audio is opus, aac or none; the
// container follows the extension of -o. -frames 0 encodes a live (paced)
// pattern until Ctrl-C. A progress line shows on a terminal. The first
// Ctrl-C stops gracefully, as ffmpeg's does: the sources stop at one media
// time, the encoders flush and the muxer finishes the file, which holds
// every frame made; a second Ctrl-C cancels at once. The summary says how
// many frames of each stream the muxer wrote. -http ADDR serves a live page
// of the running graph (package stream/live) on ADDR, 127.0.0.1 unless a
// host is given, and prints its URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
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
			fmt.Fprintln(os.Stderr, "encode:", err)
		}
		os.Exit(1)
	}
}

// run encodes as the flags in args say, writing its summary to stderr.
func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("encode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	codec := fs.String("codec", "h264", "video codec: h264, h265, vp8, vp9 or av1")
	audioCodec := fs.String("audio", "aac", "audio codec: opus, aac or none")
	frames := fs.Int("frames", 300, "frames to encode (0: until Ctrl-C, paced in real time)")
	size := fs.String("size", "1280x720", "frame size, WxH")
	fpsFlag := fs.String("fps", "30", "frame rate: an integer or N/D")
	out := fs.String("o", "", "output file: .mp4, .mkv, .webm, .ts or .flv (required)")
	bitrate := fs.Int64("bitrate", 0, "video bit rate in bits per second, CBR (default: the encoder's rate control)")
	preset := fs.String("preset", "fast", "speed/quality: fastest, fast, balanced, slow, best, or default")
	backend := fs.String("backend", "", "backend to prefer: gst or ffmpeg (default: hardware, then software)")
	httpAddr := fs.String("http", "", cli.HTTPUsage)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var prefer []string
	if *backend != "" {
		prefer = []string{*backend}
	}
	ve := media.VideoEncoding{Codec: cli.Codecs[*codec]}
	var err error
	if ve.Preset, err = media.ParsePreset(*preset); err != nil {
		return fmt.Errorf("-preset: %w", err)
	}
	if *bitrate > 0 {
		ve.Rate, ve.Bitrate = media.CBR, *bitrate
	}
	withAudio := *audioCodec != "none"
	ae := media.AudioEncoding{Codec: cli.Codecs[*audioCodec]}
	switch {
	case *out == "":
		return errors.New("missing -o: name the output file (.mp4, .mkv, .webm, .ts or .flv)")
	case !ve.Codec.IsVideo():
		return fmt.Errorf("-codec %q: want h264, h265, vp8, vp9 or av1", *codec)
	case withAudio && !ae.Codec.IsAudio():
		return fmt.Errorf("-audio %q: want opus, aac or none", *audioCodec)
	case *frames < 0:
		return fmt.Errorf("-frames %d: want 0 (until Ctrl-C) or more", *frames)
	}
	w, h, err := cli.ParseSize(*size)
	if err != nil {
		return fmt.Errorf("-size %q: %w", *size, err)
	}
	fps, err := cli.ParseRate(*fpsFlag)
	if err != nil {
		return fmt.Errorf("-fps %q: %w", *fpsFlag, err)
	}
	ve.KeyframeInterval = 2 * (fps.Num / fps.Den)
	desc := media.Output{URL: *out, Video: ve.Codec}
	if withAudio {
		desc.Audio = ae.Codec
	}
	// Every stage is built, and so checked, before anything runs.
	venc, err := media.NewVideoEncoder(ve, prefer...)
	if err != nil {
		return err
	}
	mux, err := media.Create(desc, prefer...)
	if err != nil {
		return err
	}
	live := *frames == 0
	g := stream.New()
	video := stream.AddSource(g, "pattern", &stage.Pattern{Width: w, Height: h, FPS: fps, Frames: *frames, Live: live})
	encoded := stream.AddTransform(g, "video-encoder", video, venc)
	var audio *stream.Pipe[frame.Audio]
	if withAudio {
		aenc, err := media.NewAudioEncoder(ae, prefer...)
		if err != nil {
			return err
		}
		// The tone lasts as long as the video: 1024-sample frames at 48 kHz.
		seconds := float64(*frames) * float64(fps.Den) / float64(fps.Num)
		tone := &stage.Sine{Samples: 1024, Frames: int(math.Round(seconds * 48000 / 1024)), Live: live}
		audio = stream.AddTransform(g, "audio-encoder", stream.AddSource(g, "sine", tone), aenc)
	}
	media.AddOutput(g, "output", mux, encoded, audio)
	stopLive, err := cli.ServeLive(g, *httpAddr, "encode → "+*out, stderr)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("encode"))
	defer release()
	stopProgress := cli.Progress(g, "video-encoder", *frames)
	start := time.Now()
	err = g.Run(ctx)
	stopProgress()
	stopLive()
	enc := cli.Stage(g, "video-encoder")
	fmt.Fprintf(stderr, "encode: wrote %s of %dx%d through %s into %s in %v (%.1f fps)\n",
		cli.Written(encoded, audio), w, h, stage.NameOf(venc), *out, time.Since(start).Round(time.Millisecond), enc.FPS)
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "encode: cancelled; the file holds what was written")
		return nil
	}
	return err
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command camera records a V4L2 camera to a file through the
// backend-neutral API (package media), on whichever backend opens the
// device (-backend names one to prefer):
//
//	camera (raw video) → video encoder (H264, low latency) → output
//
// Usage:
//
//	go run ./examples/camera -device /dev/video0 -o out.mp4 [-size 1280x720] [-fps 30] [-duration 10s]
//
// With no camera at the device it says so at once and exits 1. The first
// Ctrl-C (or -duration) stops gracefully: the encoder flushes and the file
// is finished, so it plays; a second Ctrl-C cancels.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"

	// The backends: each registers itself with package media.
	_ "github.com/spinorml/streamer/ffmpeg"
	_ "github.com/spinorml/streamer/gst"
	_ "github.com/spinorml/streamer/vaapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "camera:", err)
		os.Exit(1)
	}
}

func run() error {
	device := flag.String("device", "/dev/video0", "V4L2 capture device")
	out := flag.String("o", "", "output file, .mp4, .mkv or .ts (required)")
	size := flag.String("size", "", "capture size WxH (default: the camera's)")
	fpsFlag := flag.String("fps", "", "capture rate, an integer or N/D (default: the camera's)")
	duration := flag.Duration("duration", 0, "stop after this long (default: until Ctrl-C)")
	backend := flag.String("backend", "", "backend to prefer: gst or ffmpeg")
	flag.Parse()
	if *out == "" {
		return errors.New("missing -o: name the output file")
	}
	var prefer []string
	if *backend != "" {
		prefer = []string{*backend}
	}
	in := media.Input{URL: *device, Decode: true}
	var err error
	if *size != "" {
		if in.Width, in.Height, err = cli.ParseSize(*size); err != nil {
			return fmt.Errorf("-size %q: %w", *size, err)
		}
	}
	if *fpsFlag != "" {
		if in.FPS, err = cli.ParseRate(*fpsFlag); err != nil {
			return fmt.Errorf("-fps %q: %w", *fpsFlag, err)
		}
	}
	// Everything is built, and so checked, before the camera starts: no
	// device fails here.
	camera, err := media.Open(in, prefer...)
	if err != nil {
		return err
	}
	enc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Preset: media.PresetFast, LowLatency: true}, prefer...)
	if err != nil {
		return err
	}
	mux, err := media.Create(media.Output{URL: *out, Video: frame.H264}, prefer...)
	if err != nil {
		return err
	}
	g := stream.New()
	video, _ := media.AddInput(g, "camera", camera, stream.DropOldest()) // live: never stall the camera
	encoded := stream.AddTransform(g, "encoder", video, enc)
	media.AddOutput(g, "output", mux, encoded, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("camera"))
	defer release()
	if *duration > 0 {
		time.AfterFunc(*duration, g.Stop)
	}
	stopProgress := cli.Progress(g, "output", 0)
	start := time.Now()
	err = g.Run(ctx)
	stopProgress()
	fmt.Fprintf(os.Stderr, "camera: wrote %s to %s in %v (dropped %d)\n", cli.Written(encoded, nil), *out,
		time.Since(start).Round(time.Millisecond), cli.Stage(g, "camera").Dropped)
	if err != nil && ctx.Err() != nil {
		return nil // cancelled by a second Ctrl-C: the file is finished
	}
	return err
}

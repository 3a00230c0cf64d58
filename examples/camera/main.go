// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command camera records a V4L2 camera to an MP4 file with the GStreamer
// backend:
//
//	gst.Camera → gst video encoder (H264) → gst.Sink (h264parse ! mp4mux ! filesink)
//
// Usage:
//
//	go run ./examples/camera -device /dev/video0 -o out.mp4 [-size 1280x720] [-fps 30] [-duration 10s]
//
// Without -device it takes the first /dev/video*; with no camera at all it
// says so at once and exits 1. Ctrl-C (or -duration) stops the recording
// and the MP4 is finished, so it plays.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stream"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "camera:", err)
		os.Exit(1)
	}
}

func run() error {
	device := flag.String("device", "", "V4L2 device (default: the first /dev/video*)")
	out := flag.String("o", "", "output MP4 file (required)")
	size := flag.String("size", "", "capture size WxH (default: the camera's)")
	fpsFlag := flag.String("fps", "", "capture rate, an integer or N/D (default: the camera's)")
	duration := flag.Duration("duration", 0, "stop after this long (default: until Ctrl-C)")
	flag.Parse()
	if *out == "" {
		return errors.New("missing -o: name the output MP4 file")
	}
	cam := &gst.Camera{Device: *device}
	if *size != "" {
		w, h, err := cli.ParseSize(*size)
		if err != nil {
			return fmt.Errorf("-size %q: %w", *size, err)
		}
		cam.Width, cam.Height = w, h
	}
	if *fpsFlag != "" {
		fps, err := cli.ParseRate(*fpsFlag)
		if err != nil {
			return fmt.Errorf("-fps %q: %w", *fpsFlag, err)
		}
		cam.FPS = fps
	}
	// Fail now, before making anything, when there is no camera.
	if _, err := cam.Description(); err != nil {
		return err
	}
	enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "veryfast", LowLatency: true})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	g := stream.New()
	video := stream.AddSource(g, "camera", cam, stream.DropOldest()) // live: never stall the camera
	encoded := stream.AddTransform(g, "encoder", video, enc)
	stream.AddSink(g, "mp4", encoded, gst.NewSink[frame.Video]("h264parse ! mp4mux ! filesink location="+*out))
	stopProgress := cli.Progress(g, "mp4", 0)
	start := time.Now()
	err = g.Run(ctx)
	stopProgress()
	m := cli.Stage(g, "mp4")
	fmt.Fprintf(os.Stderr, "camera: %d frames to %s in %v (dropped %d)\n", m.In, *out, time.Since(start).Round(time.Millisecond), cli.Stage(g, "camera").Dropped)
	if err != nil && ctx.Err() != nil {
		return nil // stopped by Ctrl-C or -duration: the file is finished
	}
	return err
}

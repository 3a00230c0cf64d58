// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// Frames from a GStreamer launch description, scaled by a GStreamer
// fragment, into a Go sink: GstBuffers all the way, no copies.
func ExampleNewSource() {
	ctx := context.Background()
	copied := frame.CopiedBytes()
	src := gst.NewSource[frame.Video]("videotestsrc num-buffers=60 ! video/x-raw,width=1280,height=720")
	scale := gst.NewTransform[frame.Video, frame.Video]("videoscale ! video/x-raw,width=640,height=360")
	sink := &stage.Null[frame.Video]{}
	if err := stream.Connect(src, stream.Via(scale), sink).Run(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("frames:", sink.Count(), "copied bytes:", frame.CopiedBytes()-copied)
	// Output: frames: 60 copied bytes: 0
}

// Encode Go frames to H264 with the best encoder installed and write an
// MP4; the sink waits for EOS so the file is finished.
func ExampleNewVideoEncoder() {
	ctx := context.Background()
	out := filepath.Join(os.TempDir(), "streamer-example.mp4")
	defer os.Remove(out)
	enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Bitrate: 2_000_000, KeyframeInterval: 60, Preset: "veryfast"})
	if err != nil {
		fmt.Println(err) // no H264 encoder installed: the error names the package
		return
	}
	src := &stage.Pattern{Width: 640, Height: 360, Frames: 90}
	sink := gst.NewSink[frame.Video]("h264parse ! mp4mux ! filesink location=" + out)
	if err := stream.Connect(src, stream.Via(enc), sink).Run(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fi, _ := os.Stat(out)
	fmt.Println("wrote an MP4:", fi.Size() > 0)
	// Output: wrote an MP4: true
}

// A whole pipeline with its lifecycle, its bus messages as events, and a
// named appsink feeding a graph.
func ExampleLaunch() {
	ctx := context.Background()
	var eos atomic.Bool // events come from the pipeline's bus goroutine
	pl, err := gst.Launch("videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240 ! appsink name=out", func(e gst.Event) {
		if e.Kind == gst.EventEOS {
			eos.Store(true)
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pl.Stop()
	frames, err := gst.AppSink[frame.Video](pl, "out") // before Start
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := pl.Start(); err != nil {
		fmt.Println(err)
		return
	}
	sink := &stage.Null[frame.Video]{}
	if err := stream.Connect(frames, nil, sink).Run(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("frames:", sink.Count(), "wait:", pl.Wait(ctx))
	pl.Stop() // after Stop, no more events
	fmt.Println("eos event:", eos.Load())
	// Output:
	// frames: 30 wait: <nil>
	// eos event: true
}

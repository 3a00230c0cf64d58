// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command gstchild is our side of one `go run ./bench gst` comparison: a
// graph doing what the gst-launch-1.0 baseline does, with the frames
// crossing into Go and back. It is its own program so that it links only
// what a GStreamer application links: a binary that also links FFmpeg and
// VA-API maps their libraries too (about 37 MB more peak RSS, measured
// with /proc/PID/status RssFile), which no user of one backend pays.
//
//	gstchild passthrough|encode FRAMES
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// Source is the test pattern both sides encode; bench/gst.go builds the
// baseline from it.
const Source = "videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gstchild:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: gstchild passthrough|encode FRAMES")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	src := gst.NewSource[frame.Video](fmt.Sprintf(Source, n))
	var via []stage.Transform[frame.Video, frame.Video]
	switch args[0] {
	case "passthrough":
	case "encode":
		enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Element: "x264enc", Preset: "veryfast"})
		if err != nil {
			return err
		}
		via = append(via, enc)
	default:
		return fmt.Errorf("unknown comparison %q: want passthrough or encode", args[0])
	}
	copied := frame.CopiedBytes()
	sink := gst.NewSink[frame.Video]("fakesink")
	g := stream.Connect(src, via, sink, stream.Capacity(2))
	if err := g.Run(context.Background()); err != nil {
		return err
	}
	if got := g.Metrics()[len(g.Metrics())-1].In; got != uint64(n) {
		return fmt.Errorf("the sink got %d frames of %d", got, n)
	}
	fmt.Printf("copied=%d\n", frame.CopiedBytes()-copied)
	return nil
}

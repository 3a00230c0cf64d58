// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command ffmpegchild is our side of one `go run ./bench ffmpeg`
// comparison. It is its own program so that it links only what an FFmpeg
// application links (see bench/gstchild).
//
//	ffmpegchild decode|transcode FILE THREADS
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ffmpegchild:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: ffmpegchild decode|transcode FILE THREADS")
	}
	threads, err := strconv.Atoi(args[2])
	if err != nil {
		return err
	}
	if args[0] != "decode" && args[0] != "transcode" {
		return fmt.Errorf("unknown comparison %q: want decode or transcode", args[0])
	}
	if err := ffmpeg.SetLogLevel("error"); err != nil {
		return err
	}
	g := stream.New()
	vp, _ := ffmpeg.AddDemux(g, "demux", &ffmpeg.Demux{URL: args[1]}, true, false, stream.Capacity(4))
	p := stream.AddTransform(g, "decode", vp, &ffmpeg.Decoder[frame.Video]{Threads: threads}, stream.Capacity(2))
	if args[0] == "transcode" {
		p = stream.AddTransform(g, "encode", p, &ffmpeg.Encoder[frame.Video]{
			Format: frame.H264, Preset: "ultrafast", Threads: threads}, stream.Capacity(4))
	}
	stream.AddSink(g, "sink", p, &stage.Null[frame.Video]{})
	copied := frame.CopiedBytes()
	start := time.Now()
	if err := g.Run(context.Background()); err != nil {
		return err
	}
	run := time.Since(start)
	if live := frame.Live(); live != 0 {
		return fmt.Errorf("%d frame handles leaked", live)
	}
	fmt.Printf("copied=%d run=%.4f\n", frame.CopiedBytes()-copied, run.Seconds())
	return nil
}

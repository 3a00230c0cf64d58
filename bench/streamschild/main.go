// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command streamschild is our side of `go run ./bench streams`: N live
// publishes in one process, each FFmpeg's testsrc2 at its own pace →
// decode → libx264 → MPEG-TS over UDP, as N ffmpeg CLI processes do on the
// other side. It links only FFmpeg (see bench/gstchild).
//
//	streamschild STREAMS SECONDS SIZE PORT...
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "streamschild:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 4 {
		return errors.New("usage: streamschild STREAMS SECONDS SIZE PORT [PORT …]")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || len(args) != 3+n {
		return fmt.Errorf("want %s ports after STREAMS SECONDS SIZE", args[0])
	}
	if err := ffmpeg.SetLogLevel("error"); err != nil {
		return err
	}
	var g errgroup.Group
	for i := range n {
		gr := stream.New()
		src := &ffmpeg.Demux{URL: fmt.Sprintf("testsrc2=size=%s:rate=30:duration=%s", args[2], args[1]), Format: "lavfi", Realtime: true}
		vp, _ := ffmpeg.AddDemux(gr, "testsrc2", src, true, false)
		p := stream.AddTransform(gr, "decode", vp, &ffmpeg.Decoder[frame.Video]{Threads: 1})
		p = stream.AddTransform(gr, "encode", p, &ffmpeg.Encoder[frame.Video]{
			Format: frame.H264, Preset: "veryfast", Tune: "zerolatency", GOP: 30, BitRate: 1_000_000, Threads: 1})
		ffmpeg.AddMux(gr, "udp", &ffmpeg.Mux{URL: "udp://127.0.0.1:" + args[3+i] + "?pkt_size=1316", Format: "mpegts"}, p, nil)
		g.Go(func() error { return gr.Run(context.Background()) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if live := frame.Live(); live != 0 {
		return fmt.Errorf("%d frame handles leaked", live)
	}
	return nil
}

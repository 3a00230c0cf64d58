// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command probe prints an input's container, duration and streams, like a
// small ffprobe, with the FFmpeg backend:
//
//	go run ./examples/probe in.mp4
//
// Any URL FFmpeg reads works (http://, rtsp://, ...); - reads standard input.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: probe FILE|URL|-")
		os.Exit(2)
	}
	d := &ffmpeg.Demux{URL: os.Args[1]}
	if d.URL == "-" {
		d.URL, d.Reader = "", os.Stdin
	}
	info, err := ffmpeg.Probe(context.Background(), d)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %s, %v", os.Args[1], info.Format, info.Duration.Round(time.Millisecond))
	if info.BitRate > 0 {
		fmt.Printf(", %d kb/s", info.BitRate/1000)
	}
	fmt.Println()
	for _, s := range info.Streams {
		fmt.Println("  " + s.String())
	}
}

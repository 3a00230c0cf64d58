// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command launch runs a GStreamer pipeline from a launch description, like
// gst-launch-1.0, printing its state changes, warnings, errors and EOS:
//
//	go run ./examples/launch 'videotestsrc num-buffers=300 ! x264enc ! mp4mux ! filesink location=out.mp4'
//
// Ctrl-C sends EOS, so muxers finish their files, and a second Ctrl-C stops
// at once. It exits 1 on a pipeline error.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spinorml/streamer/gst"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) < 2 {
		return fmt.Errorf("usage: launch '<description>'")
	}
	desc := strings.Join(os.Args[1:], " ")
	start := time.Now()
	pl, err := gst.Launch(desc, func(e gst.Event) {
		fmt.Printf("%8.3fs %v\n", time.Since(start).Seconds(), e)
	})
	if err != nil {
		return err
	}
	defer pl.Stop()
	if err := pl.Start(); err != nil {
		return err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		fmt.Println("interrupt: sending EOS (again to stop at once)")
		pl.SendEOS()
		if _, ok := <-sigs; ok {
			cancel()
		}
	}()
	err = pl.Wait(ctx)
	if pos, ok := pl.Position(); ok {
		fmt.Printf("position %v\n", pos.Round(time.Millisecond))
	}
	return err
}

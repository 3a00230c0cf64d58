// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command bench measures streamer against a baseline in the same run and
// prints one line per comparison:
//
//	<name>: ours <x> <unit>, baseline <y> <unit>, ratio <r>
//
// Usage:
//
//	go run ./bench <suite> [flags]     (-h lists a suite's flags)
//
// Suites:
//
//	core    N pass-through hops through stream.Connect against the same hops
//	        written by hand with goroutines and channels of the same capacity.
//	gst     gst stages against gst-launch-1.0 doing the same work.
//	ffmpeg  ffmpeg stages against the ffmpeg CLI.
//	vaapi   VA-API stages against the software stages and gst-launch-1.0
//	        running the same va elements; says so when no device exists.
//	streams N live publishes (H.264 over UDP) in one process against N
//	        ffmpeg CLI processes: streams per core, RSS per stream.
//	netlatency
//	        glass-to-glass latency per protocol (UDP, SRT, RTMP, RTSP) on
//	        loopback, frames numbered in the picture: ours against the
//	        ffmpeg CLI sending and receiving the same stream.
//	soak    a live graph for a long time: RSS, heap, goroutines, handles.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
)

type suite struct {
	about string
	run   func(args []string) error
}

// suites is the registry of suites by name; each suite's file adds itself
// in its init, so that main need not know them.
var suites = map[string]suite{ //nolint:gochecknoglobals // registry written only by init functions
	"core": {"pass-through hops: stream.Connect vs raw goroutines and channels", runCore},
}

func main() {
	if len(os.Args) < 2 || suites[os.Args[1]].run == nil {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench <suite> [flags]\n\nsuites:")
		names := make([]string, 0, len(suites))
		for n := range suites {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %-6s %s\n", n, suites[n].about)
		}
		os.Exit(2)
	}
	if err := suites[os.Args[1]].run(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// report prints one comparison line.
func report(name string, ours, base float64, unit string, extra string) {
	fmt.Printf("%s: ours %.1f %s, baseline %.1f %s, ratio %.2f%s\n", name, ours, unit, base, unit, ours/base, extra)
}

func newFlags(name string) *flag.FlagSet { return flag.NewFlagSet(name, flag.ContinueOnError) }

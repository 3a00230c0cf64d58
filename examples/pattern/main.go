// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command pattern writes moving test video to a Y4M file, in pure Go:
//
//	stage.Pattern → count (a stage.Map) → stage.Y4MWriter
//
// Usage:
//
//	go run ./examples/pattern -frames 300 -size 1280x720 -fps 30 -o out.y4m
//
// -fps takes an integer or a fraction (30000/1001). -frames 0 runs until
// interrupted; with -live the frames come at their real rate, like a camera.
// -o - writes to standard output. -http ADDR serves a live page of the
// running graph (package stream/live) on ADDR, 127.0.0.1 unless a host is
// given, and prints its URL on standard error. While it runs on a terminal, a progress
// line on standard error shows the frames written and the rate; a summary
// line always ends the run. Ctrl-C stops it cleanly: the frames written so
// far stay a valid Y4M file, and it exits with status 130.
//
// Play or check the result with ffplay, mpv or ffprobe:
//
//	ffprobe -v error -count_frames -show_entries stream=width,height,nb_read_frames,r_frame_rate out.y4m
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func main() { os.Exit(run(os.Args[1:])) }

// config is what the flags ask for.
type config struct {
	frames        int
	width, height int
	fps           frame.Rational
	out           string
	live          bool
	http          string // the live page's address; "" for none
}

// errPrinted is a flag error the flag package has already printed.
var errPrinted = errors.New("bad flags")

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("pattern", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.IntVar(&c.frames, "frames", 300, "frames to write; 0 writes until interrupted")
	size := fs.String("size", "320x240", "frame size, WxH")
	fps := fs.String("fps", "30", "frame rate: an integer or N/D such as 30000/1001")
	fs.StringVar(&c.out, "o", "", "output Y4M file (required); - for standard output")
	fs.BoolVar(&c.live, "live", false, "send frames at their real rate, like a camera")
	fs.StringVar(&c.http, "http", "", cli.HTTPUsage)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: pattern -o out.y4m [-frames N] [-size WxH] [-fps F] [-live] [-http ADDR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, errPrinted // the flag package has said what is wrong
	}
	var err error
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q (flags come before it?)", fs.Arg(0))
	case c.out == "":
		err = errors.New("missing -o: name the output file (or - for standard output)")
	case c.frames < 0:
		err = fmt.Errorf("-frames %d: must be 0 (until interrupted) or more", c.frames)
	}
	if err == nil {
		if c.width, c.height, err = cli.ParseSize(*size); err != nil {
			err = fmt.Errorf("-size %q: %w", *size, err)
		}
	}
	if err == nil {
		if c.fps, err = cli.ParseRate(*fps); err != nil {
			err = fmt.Errorf("-fps %q: %w", *fps, err)
		}
	}
	return c, err
}

// run runs the program and returns its exit status: 0, 1 on an error, 2 on
// bad flags, 130 when interrupted.
func run(args []string) int {
	c, err := parseFlags(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errPrinted):
		return 2
	case err != nil:
		fmt.Fprintln(os.Stderr, "pattern:", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var w io.Writer = os.Stdout
	var file *os.File
	if c.out != "-" {
		if file, err = os.Create(c.out); err != nil {
			fmt.Fprintln(os.Stderr, "pattern:", err)
			return 1
		}
		w = file
	}

	src := &stage.Pattern{Width: c.width, Height: c.height, FPS: c.fps, Frames: c.frames, Live: c.live}
	// count sees every frame on its way to the file; it runs in one
	// goroutine, and Run returns only after it has, so plain ints do.
	var bytes int64
	count := stage.Map(func(_ context.Context, v frame.Video) (frame.Video, error) {
		bytes += int64(v.Size())
		return v, nil
	})
	sink := stage.NewY4MWriter(w)
	sink.FPS = c.fps
	g := stream.Connect(src, stream.Via(count), sink)
	stopLive, err := cli.ServeLive(g, c.http, "pattern → "+c.out, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pattern:", err)
		if file != nil {
			file.Close()
		}
		return 1
	}

	stopProgress := cli.Progress(g, "y4m-writer", c.frames)
	start := time.Now()
	err = g.Run(ctx)
	elapsed := time.Since(start)
	stopProgress()
	stopLive() // a watched preview holds a frame until then
	if file != nil {
		if cerr := file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", c.out, cerr)
		}
	}

	m := written(g)
	what := fmt.Sprintf("%d frames of %dx%d I420 at %v fps (%.1f MB) to %s in %v, %.1f fps",
		m.In, c.width, c.height, c.fps, float64(bytes)/1e6, c.out, elapsed.Round(time.Millisecond),
		float64(m.In)/elapsed.Seconds())
	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		fmt.Fprintf(os.Stderr, "pattern: interrupted: wrote %s\n", what)
		return 130
	case err != nil:
		fmt.Fprintf(os.Stderr, "pattern: wrote %s, then failed: %v\n", what, err)
		return 1
	case frame.Live() != 0:
		fmt.Fprintf(os.Stderr, "pattern: wrote %s, but %d frame handles leaked\n", what, frame.Live())
		return 1
	}
	fmt.Fprintf(os.Stderr, "pattern: wrote %s\n", what)
	return 0
}

// written returns the metrics of the graph's sink, the Y4M writer.
func written(g *stream.Graph) stream.Metrics { return cli.Stage(g, "y4m-writer") }

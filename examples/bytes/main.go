// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command bytes shows frames made from plain Go byte slices travelling
// through a stream graph, with no media backend and no cgo:
//
//	source  builds I420 frames with frame.NewBytes: three planes, the luma
//	        plane with a padded stride, as a decoder or camera would give
//	invert  a stage.Map that inverts the luma plane in place and stamps
//	        the frame's Meta
//	check   a sink that reads the bytes back with Planes (no copy) and
//	        frame.Bytes (one contiguous copy), checks the inversion and
//	        prints one checksum line per frame
//
// It ends with a summary and exits non-zero if any frame handle is still
// alive (a leak) or any check failed.
//
// Usage:
//
//	go run ./examples/bytes [-frames 10] [-size 90x60]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// stamp is what the invert stage records in a frame's Meta. Meta is shared,
// not copied, between the owners of a frame, so it holds an immutable value.
type stamp struct {
	Inverted bool
	At       time.Time
}

func main() {
	err := run(os.Args[1:])
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errFlags): // the flag package has said what is wrong
		os.Exit(2)
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "bytes:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "bytes:", err)
		os.Exit(1)
	}
}

var (
	errUsage = errors.New("usage")
	errFlags = errors.New("bad flags")
)

func run(args []string) error {
	frames, w, h, err := parseArgs(args)
	if err != nil {
		return err
	}
	var got, bad int
	var bytesIn int64
	check := stage.SinkFunc[frame.Video](func(ctx context.Context, in stage.In[frame.Video]) error {
		for f := range in.All() {
			err := checkFrame(ctx, got, f, &bytesIn)
			f.Release() // the sink owns the frame: release it on every path
			if err != nil {
				fmt.Fprintln(os.Stderr, "bytes:", err)
				bad++
			}
			got++
		}
		return nil
	})

	g := stream.Connect(source(frames, w, h), stream.Via(invert()), check)
	start := time.Now()
	if err := g.Run(context.Background()); err != nil {
		return err
	}
	elapsed := time.Since(start)

	live := frame.Live()
	fmt.Printf("done: %d frames, %d plane bytes (row padding included), %d bytes copied by frame.Bytes, %d bad, %d live handles, %v\n",
		got, bytesIn, frame.CopiedBytes(), bad, live, elapsed.Round(time.Microsecond))
	switch {
	case live != 0:
		return fmt.Errorf("%d frame handles leaked", live)
	case bad != 0:
		return fmt.Errorf("%d of %d frames failed their check", bad, got)
	case got != frames:
		return fmt.Errorf("sink got %d frames, source sent %d", got, frames)
	}
	return nil
}

// parseArgs returns the number of frames and the frame size the command
// line asks for; a usage error wraps errUsage, and a flag the flag package
// has already reported gives errFlags.
func parseArgs(args []string) (frames, w, h int, err error) {
	fs := flag.NewFlagSet("bytes", flag.ContinueOnError)
	n := fs.Int("frames", 10, "number of frames to send")
	size := fs.String("size", "90x60", "frame size, WxH")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, 0, 0, err
		}
		return 0, 0, 0, errFlags
	}
	if fs.NArg() > 0 {
		return 0, 0, 0, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *n < 0 {
		return 0, 0, 0, fmt.Errorf("%w: -frames %d: must be 0 or more", errUsage, *n)
	}
	w, h, err = cli.ParseSize(*size)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%w: -size %q: %v", errUsage, *size, err)
	}
	return *n, w, h, nil
}

// source sends that many I420 frames of w x h at 30 fps, made of plain byte
// slices, the luma plane holding the luma pattern.
func source(frames, w, h int) stage.Source[frame.Video] {
	const fps = 30
	// Rows are padded (luma to a multiple of 32 bytes, chroma to 16), as
	// many decoders and cameras align them: Strides says where each row
	// starts, and only the first Width (or chroma width) bytes are pixels.
	cw, ch := (w+1)/2, (h+1)/2
	strides := [4]int{(w + 31) &^ 31, (cw + 15) &^ 15, (cw + 15) &^ 15}

	return stage.SourceFunc[frame.Video](func(ctx context.Context, out stage.Out[frame.Video]) error {
		for n := range frames {
			y := make([]byte, strides[0]*h)
			u := make([]byte, strides[1]*ch)
			v := make([]byte, strides[2]*ch)
			for row := range h {
				for x := range w {
					y[row*strides[0]+x] = luma(n, x, row)
				}
			}
			for i := range u {
				u[i], v[i] = byte(64+n), byte(192-n)
			}
			f := frame.Video{
				Data:     frame.NewBytes(y, u, v), // one owner: this stage
				Format:   frame.I420,
				Width:    w,
				Height:   h,
				Strides:  strides,
				PTS:      time.Duration(n) * time.Second / fps,
				Duration: time.Second / fps,
				Keyframe: true,
			}
			f.DTS = f.PTS
			// Send passes our reference on; when it reports false the
			// runner has released the frame and we stop.
			if !out.Send(f) {
				return ctx.Err()
			}
		}
		return nil
	})
}

// invert returns the stage that inverts each frame's luma plane in place
// and stamps its Meta. The map stage owns each frame it is given and is its
// only owner here, so it may change the bytes in place. (Behind a Tee a
// frame has other owners, and a stage that changes bytes must copy first.)
func invert() stage.Transform[frame.Video, frame.Video] {
	return stage.Map(func(ctx context.Context, f frame.Video) (frame.Video, error) {
		planes, err := f.Planes(ctx)
		if err != nil {
			f.Release()
			return frame.Video{}, err
		}
		Y := planes[0]
		for row := range f.Height {
			line := Y[row*f.Strides[0] : row*f.Strides[0]+f.Width]
			for i := range line {
				line[i] = 255 - line[i]
			}
		}
		f.Meta = stamp{Inverted: true, At: time.Now()}
		return f, nil
	})
}

// luma is the source's luma value at (x, y) of frame n.
func luma(n, x, y int) byte { return byte(x*3 + y*5 + n*7) }

// checkFrame reads f's bytes back, checks that the luma plane is the
// source's pattern inverted, and prints the frame's checksum line.
func checkFrame(ctx context.Context, n int, f frame.Video, total *int64) error {
	if s, ok := f.Meta.(stamp); !ok || !s.Inverted {
		return fmt.Errorf("frame %d: not stamped by the invert stage (Meta %v)", n, f.Meta)
	}
	// Planes gives the CPU slices themselves: nothing is copied.
	planes, err := f.Planes(ctx)
	if err != nil {
		return fmt.Errorf("frame %d: %w", n, err)
	}
	if len(planes) != 3 {
		return fmt.Errorf("frame %d: %d planes, want 3", n, len(planes))
	}
	Y := planes[0]
	for y := range f.Height {
		for x := range f.Width {
			if got, want := Y[y*f.Strides[0]+x], 255-luma(n, x, y); got != want {
				return fmt.Errorf("frame %d: luma at (%d,%d) is %d, want %d", n, x, y, got, want)
			}
		}
	}
	// frame.Bytes joins the planes into one slice: a copy, counted by
	// frame.CopiedBytes. Code that can work per plane should use Planes.
	all, err := frame.Bytes(ctx, f.Data)
	if err != nil {
		return fmt.Errorf("frame %d: %w", n, err)
	}
	*total += int64(len(all))
	fmt.Printf("frame %d pts=%v %v %dx%d strides=%v bytes=%d crc32=%08x\n",
		n, f.PTS, f.Format, f.Width, f.Height, f.Strides[:3], len(all), crc32.ChecksumIEEE(all))
	return nil
}

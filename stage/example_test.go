// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// A test pattern written as a Y4M stream, with the stages driven by hand:
// package stream does this wiring for real graphs. The writer of a link
// closes it when its Run returns; the reader drains it when its Run returns.
func ExampleY4MWriter() {
	ctx := context.Background()
	live := frame.Live()
	var buf bytes.Buffer
	link := stage.NewLink[frame.Video](stage.LinkConfig{Capacity: 4})
	link.Start()

	src := &stage.Pattern{Width: 64, Height: 48, FPS: frame.Rational{Num: 30000, Den: 1001}, Frames: 10}
	srcErr := make(chan error, 1)
	go func() {
		srcErr <- src.Run(ctx, link.Out())
		link.CloseSend()
	}()
	err := stage.NewY4MWriter(&buf).Run(ctx, link.In())
	link.Drain()
	if err := <-srcErr; err != nil {
		fmt.Println(err)
	}
	if err != nil {
		fmt.Println(err)
	}

	header, _, _ := strings.Cut(buf.String(), "\n")
	fmt.Println(header)
	fmt.Println("frames:", bytes.Count(buf.Bytes(), []byte("FRAME\n")), "bytes:", buf.Len())

	r, err := stage.NewY4MReader(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	for n := 0; ; n++ {
		v, err := r.ReadFrame()
		if err != nil {
			break
		}
		if n == 3 || n == 9 {
			fmt.Println("read back:", v)
		}
		v.Release()
	}
	fmt.Println("leaked handles:", frame.Live()-live)
	// Output:
	// YUV4MPEG2 W64 H48 F30000:1001 Ip A1:1 C420jpeg
	// frames: 10 bytes: 46187
	// read back: video I420 64x48 pts=100.1ms key=true
	// read back: video I420 64x48 pts=300.3ms key=true
	// leaked handles: 0
}

// Map turns each frame into another: here it moves every frame one second
// later. The function owns the frame it is given and returns it.
func ExampleMap() {
	ctx := context.Background()
	live := frame.Live()
	delay := stage.Map(func(_ context.Context, v frame.Video) (frame.Video, error) {
		v.PTS += time.Second
		v.DTS += time.Second
		return v, nil
	})

	a := stage.NewLink[frame.Video](stage.LinkConfig{Capacity: 2})
	b := stage.NewLink[frame.Video](stage.LinkConfig{Capacity: 2})
	a.Start()
	b.Start()
	go func() {
		_ = (&stage.Pattern{Width: 16, Height: 16, Frames: 3}).Run(ctx, a.Out())
		a.CloseSend()
	}()
	go func() {
		_ = delay.Run(ctx, a.In(), b.Out())
		b.CloseSend()
		a.Drain()
	}()
	for v := range b.In().All() {
		fmt.Println(v)
		v.Release()
	}
	b.Drain()
	fmt.Println("leaked handles:", frame.Live()-live)
	// Output:
	// video I420 16x16 pts=1s key=true
	// video I420 16x16 pts=1.033333333s key=true
	// video I420 16x16 pts=1.066666666s key=true
	// leaked handles: 0
}

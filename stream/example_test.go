// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"fmt"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// A linear chain: a test pattern, a transform, and a sink, run to the end.
func ExampleConnect() {
	src := &stage.Pattern{Width: 320, Height: 240, Frames: 90}
	keyframesOnly := stage.Filter(func(v frame.Video) bool { return v.Keyframe })
	sink := &stage.Null[frame.Video]{}

	g := stream.Connect(src, stream.Via(keyframesOnly), sink)
	if err := g.Run(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("frames:", sink.Count(), "live handles:", frame.Live())
	// Output: frames: 90 live handles: 0
}

// A graph with a fan-out: one source, two branches, each with its own sink
// and its own link bounds.
func ExampleAddTee() {
	g := stream.New()
	video := stream.AddSource(g, "camera", &stage.Pattern{Frames: 30})
	branches := stream.AddTee(g, "tee", video, 2)
	record := &stage.Null[frame.Video]{}
	preview := &stage.Null[frame.Video]{}
	stream.AddSink(g, "record", branches[0], record)
	stream.AddSink(g, "preview", stream.AddTransform(g, "pass", branches[1], stage.Pass[frame.Video](), stream.Capacity(2)), preview)
	if err := g.Run(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range g.Metrics() {
		fmt.Println(m.Stage, m.In, m.Out)
	}
	// Output:
	// camera 0 30
	// tee 30 60
	// record 30 0
	// pass 30 30
	// preview 30 0
}

// Invert is the README's "Writing a stage" example: it inverts the luma
// plane of raw frames in place.
type Invert struct{}

func (Invert) Run(ctx context.Context, in stage.In[frame.Video], out stage.Out[frame.Video]) error {
	for {
		v, ok := in.Recv()
		if !ok {
			return nil // end of stream: flush anything held, then return
		}
		planes, err := v.Planes(ctx)
		if err != nil {
			v.Release() // every path releases or forwards
			return err
		}
		for i, b := range planes[0] {
			planes[0][i] = 255 - b
		}
		if !out.Send(v) {
			return ctx.Err() // nil when the reader simply finished early
		}
	}
}

// A stage of one's own in a chain.
func Example_writingAStage() {
	sink := &stage.Collect[frame.Video]{}
	defer sink.Release()
	err := stream.Connect(&stage.Pattern{Width: 4, Height: 2, Frames: 1}, stream.Via[frame.Video](Invert{}), sink).Run(context.Background())
	planes, _ := sink.Frames()[0].Planes(context.Background())
	fmt.Println(err, planes[0])
	// Output: <nil> [20 20 130 75 20 20 130 75]
}

// A graceful stop: a live source runs until Stop, then the end of stream
// cascades and Run returns nil with every frame delivered.
func ExampleGraph_Stop() {
	sink := &stage.Collect[frame.Video]{}
	defer sink.Release()
	g := stream.Connect(&stage.Pattern{Width: 64, Height: 48, Live: true}, nil, sink)
	time.AfterFunc(100*time.Millisecond, g.Stop)
	err := g.Run(context.Background())
	fmt.Println(err, len(sink.Frames()) > 0)
	// Output: <nil> true
}

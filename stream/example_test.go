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

// Box is an analysis result: a plain value that any stage may produce.
type Box struct {
	PTS  time.Duration
	X, Y int
}

// Analysis beside media: frames are teed to a detector producing the
// user's own type, and its results are joined back onto the frames by
// PTS, as MediaPipe graphs do.
func Example_analysis() {
	g := stream.New()
	frames := stream.AddTee(g, "tee", stream.AddSource(g, "camera", &stage.Pattern{Width: 64, Height: 48, Frames: 5}), 2)
	detect := stage.Map(func(_ context.Context, v frame.Video) (Box, error) {
		b := Box{PTS: v.PTS, X: 10, Y: 20} // a real detector reads v's planes here
		v.Release()                        // the detector keeps only its result
		return b, nil
	})
	boxes := stream.AddTransform(g, "detect", frames[1], detect)

	join := stage.Join[frame.Video, Box, frame.Video]{
		KeyA: func(v frame.Video) time.Duration { return v.PTS },
		KeyB: func(b Box) time.Duration { return b.PTS },
		Merge: func(v frame.Video, b Box, ok bool) frame.Video {
			if ok {
				v.Meta = b
			}
			return v
		},
	}
	annotated := stream.NewPipe[frame.Video](g)
	g.Add("join", func(ctx context.Context) error {
		return join.Run(ctx, frames[0].In(), boxes.In(), annotated.Out())
	}).Reads(frames[0], boxes).Writes(annotated)

	sink := &stage.Collect[frame.Video]{}
	defer sink.Release()
	stream.AddSink(g, "draw", annotated, sink)
	if err := g.Run(context.Background()); err != nil {
		fmt.Println(err)
	}
	for _, v := range sink.Frames() {
		fmt.Println(v.PTS.Round(time.Millisecond), v.Meta)
	}
	// Output:
	// 0s {0s 10 20}
	// 33ms {33.333333ms 10 20}
	// 67ms {66.666666ms 10 20}
	// 100ms {100ms 10 20}
	// 133ms {133.333333ms 10 20}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"fmt"

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

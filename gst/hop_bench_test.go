// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// BenchmarkGstHop is the cost per frame of a gst stage that does nothing
// (identity) on frames of another gst stage: appsrc push, the pipeline's
// thread, appsink pull, GstBuffers passed by reference both ways. The
// pipelines' start and stop are amortised over b.N frames: run it with
// -benchtime of a few thousand frames or more.
func BenchmarkGstHop(b *testing.B) {
	b.ReportAllocs()
	src := gst.NewSource[frame.Video](fmt.Sprintf("videotestsrc num-buffers=%d ! video/x-raw,width=64,height=48", b.N))
	g := stream.Connect[frame.Video](src, stream.Via[frame.Video](gst.NewTransform[frame.Video, frame.Video]("identity")), &stage.Null[frame.Video]{})
	b.ResetTimer()
	if err := g.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}

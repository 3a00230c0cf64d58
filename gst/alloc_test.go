// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stream"
)

// The per-frame path of the gst backend — pull from an appsink, push into
// an appsrc — allocates (almost) nothing in Go: a GC-paced heap is what
// makes a long-running process's RSS creep.
func TestGstHopsAllocateAlmostNothing(t *testing.T) {
	noLeaks(t)
	run := func(n int) uint64 {
		runtime.GC()
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		g := stream.Connect(gst.NewSource[V](fmt.Sprintf("videotestsrc num-buffers=%d ! video/x-raw,width=64,height=48", n)),
			stream.Via[V](gst.NewTransform[V, V]("identity")), gst.NewSink[V]("fakesink"))
		if err := g.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&b)
		return b.Mallocs - a.Mallocs
	}
	run(10)
	small, large := run(100), run(1100)
	perFrame := float64(large-min(large, small)) / 1000
	t.Logf("%.2f allocations per frame over 2 pulls and 2 pushes", perFrame)
	limit := 0.5
	if raceEnabled {
		limit = 3 // sync.Pool drops a quarter of its Puts under -race
	}
	if perFrame > limit {
		t.Fatalf("%.2f allocations per frame", perFrame)
	}
}

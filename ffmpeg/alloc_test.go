// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// Demux and decode allocate (almost) nothing in Go per frame: no garbage
// for the GC to pace a long-running process's RSS with.
func TestDemuxDecodeAllocateAlmostNothing(t *testing.T) {
	noLeaks(t)
	short := media(t, "alloc_short.mp4", "160x120", "1", "-c:v", "libx264", "-preset", "ultrafast", "-an")
	long := media(t, "alloc_long.mp4", "160x120", "11", "-c:v", "libx264", "-preset", "ultrafast", "-an")
	run := func(path string) uint64 {
		runtime.GC()
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		g := stream.New()
		v, _ := ffmpeg.AddDemux(g, "demux", &ffmpeg.Demux{URL: path}, true, false)
		raw := stream.AddTransform(g, "decode", v, &ffmpeg.Decoder[V]{})
		stream.AddSink(g, "sink", raw, &stage.Null[V]{})
		if err := g.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&b)
		return b.Mallocs - a.Mallocs
	}
	run(short)
	s, l := run(short), run(long)
	perFrame := float64(l-min(l, s)) / 300
	t.Logf("%.2f allocations per frame (demux + decode)", perFrame)
	if limit := 1.0; perFrame > limit && !raceEnabled {
		t.Fatalf("%.2f allocations per frame", perFrame)
	}
}

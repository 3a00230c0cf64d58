// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage_test

import (
	"testing"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// hop sends v and receives it back through generic code, as a stage does:
// generic stages call the shape instantiation of Send and Recv, inlined
// into their loop. It is not inlined itself, so that the figure does not
// depend on whether hop fits the caller's inlining budget.
//
//go:noinline
func hop[T frame.Frame](out stage.Out[T], in stage.In[T], v T) T {
	out.Send(v)
	v, _ = in.Recv()
	return v
}

// BenchmarkLinkHop is one Send and one Recv on a plain link, in one
// goroutine: the cost a hop adds to a channel operation pair, without the
// scheduler's noise. Compare with BenchmarkChannelHop.
func BenchmarkLinkHop(b *testing.B) {
	l := stage.NewLink[frame.Video](stage.LinkConfig{})
	out, in := l.Out(), l.In()
	v := frame.Video{Width: 1}
	b.ReportAllocs()
	for b.Loop() {
		v = hop(out, in, v)
	}
}

//go:noinline
func chanHop[T any](ch chan T, v T) T {
	ch <- v
	return <-ch
}

// BenchmarkChannelHop is the raw baseline of BenchmarkLinkHop.
func BenchmarkChannelHop(b *testing.B) {
	ch := make(chan frame.Video, stage.DefaultCapacity)
	v := frame.Video{Width: 1}
	b.ReportAllocs()
	for b.Loop() {
		v = chanHop(ch, v)
	}
}

// BenchmarkLinkHopRange is BenchmarkLinkHop in the range form a stage
// may use instead of Recv: for v := range in.All().
func BenchmarkLinkHopRange(b *testing.B) {
	rangeHop[frame.Video](b, frame.Video{Width: 1})
}

//go:noinline
func rangeHop[T frame.Frame](b *testing.B, v T) {
	l := stage.NewLink[T](stage.LinkConfig{})
	out, in := l.Out(), l.In()
	out.Send(v)
	b.ReportAllocs()
	for v := range in.All() {
		if !b.Loop() {
			break
		}
		out.Send(v)
	}
}

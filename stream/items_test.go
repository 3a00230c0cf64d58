// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// Detection is an analysis result: a plain value, owning nothing.
type Detection struct {
	PTS   time.Duration
	Label string
}

// A plain value type travels through Map, Tee, a drop-oldest pipe, Filter
// and Collect with no Retain/Release of its own.
func TestPlainItemsTravelThroughAGraph(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	video := stream.AddSource(g, "pattern", pattern(60))
	detect := stage.Map(func(_ context.Context, v frame.Video) (Detection, error) {
		d := Detection{PTS: v.PTS, Label: "box"}
		v.Release() // the analysis keeps only its result
		return d, nil
	})
	dets := stream.AddTransform(g, "detect", video, detect)
	branches := stream.AddTee(g, "tee", dets, 2)
	keep := stage.Filter(func(d Detection) bool { return d.PTS < time.Second })
	early := stream.AddTransform(g, "early", branches[0], keep, stream.DropOldest(), stream.Capacity(2))
	all, some := &stage.Collect[Detection]{}, &stage.Collect[Detection]{}
	stream.AddSink(g, "all", branches[1], all)
	stream.AddSink(g, "early", early, some)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(all.Frames()); n != 60 {
		t.Errorf("%d detections, want 60", n)
	}
	if n := len(some.Frames()); n == 0 || n > 30 {
		t.Errorf("%d early detections, want 1 to 30", n)
	}
	if got := g.Dot(); !strings.Contains(got, "Detection") {
		t.Errorf("Dot does not name the item type:\n%s", got)
	}
}

// Tensor is a user's pooled item: it counts its owners as frames do.
type Tensor struct {
	refs *atomic.Int64 // live references across all tensors
	n    atomic.Int32
}

func newTensor(live *atomic.Int64) *Tensor {
	t := &Tensor{refs: live}
	t.n.Store(1)
	live.Add(1)
	return t
}

func (t *Tensor) Retain() { t.n.Add(1); t.refs.Add(1) }
func (t *Tensor) Release() {
	if t.n.Add(-1) < 0 {
		panic("tensor released twice")
	}
	t.refs.Add(-1)
}

// An owned pointer type gets Retain per extra Tee branch and Release on
// drops, drains and filters, exactly as frames do: every reference is
// returned at the end.
func TestOwnedItemsAreRetainedAndReleasedAsFrames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var live atomic.Int64
		for _, cancel := range []bool{false, true} {
			g := stream.New()
			src := stage.SourceFunc[*Tensor](func(ctx context.Context, out stage.Out[*Tensor]) error {
				for range 500 {
					if !out.Send(newTensor(&live)) {
						return ctx.Err()
					}
				}
				return nil
			})
			tensors := stream.AddSource(g, "source", src)
			b := stream.AddTee(g, "tee", tensors, 3)
			odd := 0
			drop := stage.Filter(func(*Tensor) bool { odd++; return odd%2 == 0 })
			stream.AddSink(g, "null", stream.AddTransform(g, "filter", b[0], drop), &stage.Null[*Tensor]{})
			slow := stage.SinkFunc[*Tensor](func(ctx context.Context, in stage.In[*Tensor]) error {
				for v := range in.All() {
					time.Sleep(10 * time.Microsecond)
					v.Release()
				}
				return nil
			})
			stream.AddSink(g, "slow", stream.AddTransform(g, "pass", b[1], stage.Pass[*Tensor](), stream.DropOldest(), stream.Capacity(1)), slow)
			kept := &stage.Collect[*Tensor]{Max: 10}
			stream.AddSink(g, "early-exit", b[2], kept)
			ctx, stop := context.WithCancel(context.Background())
			if cancel {
				time.AfterFunc(time.Millisecond, stop)
			}
			_ = g.Run(ctx)
			stop()
			kept.Release()
			if got := live.Load(); got != 0 {
				t.Errorf("cancel=%v: %d tensor references left, want 0", cancel, got)
			}
		}
	})
}

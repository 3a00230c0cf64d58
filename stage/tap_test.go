// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// A tap keeps the newest frame the reader received, holding its own
// reference, and drops (releasing) the older one nobody took.
func TestTapKeepsTheNewestAndCountsDrops(t *testing.T) {
	noLeaks(t)
	for _, cfg := range []LinkConfig{{}, {Policy: DropOldest, Capacity: 4}} {
		l := newLink[V](cfg)
		out, in := l.Out(), l.In()
		tap := l.Tap()
		ctx := context.Background()
		for i, v := range testVideo(5) {
			out.Send(v)
			got, ok := in.Recv()
			if !ok || got.Meta != i {
				t.Fatalf("%+v: recv %d: %v %v", cfg, i, got.Meta, ok)
			}
			got.Release() // the reader is done; the tap's reference remains
			if i == 1 {
				v, err := tap.Next(ctx)
				if err != nil || v.Meta != 1 {
					t.Fatalf("%+v: Next = %v, %v; want frame 1", cfg, v.Meta, err)
				}
				v.Release()
			}
		}
		v, err := tap.Next(ctx)
		if err != nil || v.Meta != 4 {
			t.Fatalf("%+v: Next = %v, %v; want frame 4", cfg, v.Meta, err)
		}
		v.Release()
		// Frames 0, 2 and 3 were replaced before anyone took them.
		if tap.Offered() != 5 || tap.Dropped() != 3 || l.Stats().TapDropped != 3 {
			t.Fatalf("%+v: offered %d, dropped %d, link's tap drops %d; want 5, 3, 3", cfg, tap.Offered(), tap.Dropped(), l.Stats().TapDropped)
		}
		out.Send(testVideo(1)[0]) // held by the tap at Close
		got, _ := in.Recv()
		got.Release()
		tap.Close()
		tap.Close()
		if _, err := tap.Next(ctx); !errors.Is(err, ErrTapClosed) {
			t.Fatalf("Next after Close = %v", err)
		}
		l.CloseSend()
		l.Drain()
	}
}

// Next waits for a frame, ends with its context, and wakes on Close.
func TestTapNextWaits(t *testing.T) {
	noLeaks(t)
	l := newLink[V](LinkConfig{})
	tap := l.Tap()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tap.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next on a cancelled context = %v", err)
	}
	got := make(chan any, 1)
	go func() {
		v, err := tap.Next(context.Background())
		v.Release()
		if err != nil {
			got <- err
			return
		}
		got <- v.Meta
	}()
	l.Out().Send(testVideo(1)[0])
	v, _ := l.In().Recv()
	v.Release()
	if m := <-got; m != 0 {
		t.Fatalf("waiting Next got %v, want frame 0", m)
	}
	go func() {
		_, err := tap.Next(context.Background())
		got <- err
	}()
	tap.Close()
	if err, _ := (<-got).(error); !errors.Is(err, ErrTapClosed) {
		t.Fatalf("Next woken by Close = %v", err)
	}
	l.CloseSend()
	l.Drain()
}

// counted is an owned item that counts its live references.
type counted struct{ live *atomic.Int64 }

func (c counted) Retain()  { c.live.Add(1) }
func (c counted) Release() { c.live.Add(-1) }

// Items that are not frames are tapped too: owned ones are retained and
// released as frames are, plain values are copied.
func TestTapCarriesItemsThatAreNotFrames(t *testing.T) {
	var live atomic.Int64
	l := NewLink[counted](LinkConfig{})
	tap := l.Tap()
	for range 3 {
		live.Add(1)
		l.Out().Send(counted{&live})
		v, _ := l.In().Recv()
		v.Release()
	}
	if n := live.Load(); n != 1 {
		t.Fatalf("%d references live with the tap holding one item", n)
	}
	tap.Close()
	if n := live.Load(); n != 0 {
		t.Fatalf("%d references live after Close", n)
	}
	l.CloseSend() // ends the relay the tap started

	p := NewLink[int](LinkConfig{})
	ptap := p.Tap()
	defer ptap.Close()
	p.Out().Send(42)
	p.In().Recv()
	if v, err := ptap.Next(context.Background()); v != 42 || err != nil {
		t.Fatalf("plain tap Next = %d, %v", v, err)
	}
	p.CloseSend()
}

// Taps come and go while frames flow, under the race detector; every
// frame is released once everything ends.
func TestTapWhileRunning(t *testing.T) {
	noLeaks(t)
	l := newLink[V](LinkConfig{Capacity: 2})
	src := &Pattern{Width: 16, Height: 16, Frames: 300}
	srcDone := goSource(context.Background(), src, l)
	var received atomic.Int64
	// ended stops a Next that would wait for frames after the last.
	ended, end := context.WithCancel(context.Background())
	defer end()
	sinkDone := goSink(context.Background(), SinkFunc[V](func(ctx context.Context, in In[V]) error {
		defer end()
		for v := range in.All() {
			received.Add(1)
			v.Release()
		}
		return nil
	}), l)
	for range 20 {
		tap := l.Tap()
		other := l.Tap()
		if v, err := tap.Next(ended); err == nil {
			v.Release()
		}
		tap.Close()
		other.Close()
	}
	wait(t, "source", srcDone)
	wait(t, "sink", sinkDone)
	if received.Load() != 300 {
		t.Fatalf("sink got %d frames, want 300", received.Load())
	}
}

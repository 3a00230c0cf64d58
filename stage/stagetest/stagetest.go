// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package stagetest helps test stages and graphs of any backend, as
// net/http/httptest does for handlers: a frame-leak check, and wrappers that
// inject a failure or a cancel at a chosen frame into any stage.
package stagetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// NoLeaks fails t, when it ends, if frame handles made during it are still
// alive (frame.Live is process-wide: do not run leak-checked tests in
// parallel).
func NoLeaks(t testing.TB) {
	t.Helper()
	live := frame.Live()
	t.Cleanup(func() {
		// A backend may free a wrapped buffer on its own thread just after
		// its pipeline stops (GStreamer does): give it a moment.
		for i := 0; i < 100 && frame.Live() != live; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if got := frame.Live(); got != live {
			t.Errorf("%d frame handles leaked", got-live)
		}
	})
}

// ErrInjected is the cause of every failure the wrappers inject.
var ErrInjected = errors.New("stagetest: injected failure")

// Fault says what a wrapper does at frame K (counting from 1): fail with
// ErrInjected, or call Cancel (the run's cancel function) and carry on.
type Fault struct {
	K      int
	Cancel context.CancelFunc // nil: fail instead
	OnHit  func()             // called when the fault happens (to time the reaction)
}

func (f Fault) String() string {
	if f.Cancel != nil {
		return fmt.Sprintf("cancel at frame %d", f.K)
	}
	return fmt.Sprintf("fail at frame %d", f.K)
}

// hit reports whether frame n triggers the fault, and the error to return.
func (f Fault) hit(n int) (bool, error) {
	if n != f.K {
		return false, nil
	}
	if f.OnHit != nil {
		f.OnHit()
	}
	if f.Cancel != nil {
		f.Cancel()
		return true, nil
	}
	return true, fmt.Errorf("frame %d: %w", n, ErrInjected)
}

// Source wraps src so the fault happens when it sends frame K.
func Source[T any](src stage.Source[T], f Fault) stage.Source[T] {
	return &source[T]{stage.NameOf(src), func(ctx context.Context, out stage.Out[T]) error {
		link := stage.NewLink[T](stage.LinkConfig{Capacity: 1})
		errc := make(chan error, 1)
		go func() {
			errc <- src.Run(ctx, link.Out())
			link.CloseSend()
		}()
		in, n := link.In(), 0
		for {
			v, ok := in.Recv()
			if !ok {
				break
			}
			n++
			if _, err := f.hit(n); err != nil {
				if release := stage.OpsOf[T]().Release; release != nil {
					release(v)
				}
				link.Drain()
				<-errc
				return err
			}
			if !out.Send(v) {
				break
			}
		}
		link.Drain()
		return <-errc
	}}
}

// Transform wraps t so the fault happens when frame K reaches it.
func Transform[I, O any](t stage.Transform[I, O], f Fault) stage.Transform[I, O] {
	return &transform[I, O]{stage.NameOf(t), func(ctx context.Context, in stage.In[I], out stage.Out[O]) error {
		link := stage.NewLink[I](stage.LinkConfig{Capacity: 1})
		errc := make(chan error, 1)
		go func() {
			errc <- t.Run(ctx, link.In(), out)
			link.Drain()
		}()
		inner, n := link.Out(), 0
		var injected error
		for {
			v, ok := in.Recv()
			if !ok {
				break
			}
			n++
			if _, err := f.hit(n); err != nil {
				if release := stage.OpsOf[I]().Release; release != nil {
					release(v)
				}
				injected = err
				break
			}
			if !inner.Send(v) {
				break
			}
		}
		link.CloseSend()
		if err := <-errc; injected == nil {
			return err
		}
		return injected
	}}
}

// Sink wraps s so the fault happens when frame K reaches it.
func Sink[T any](s stage.Sink[T], f Fault) stage.Sink[T] {
	tr := Transform[T, T](stage.Pass[T](), f)
	return &sink[T]{stage.NameOf(s), func(ctx context.Context, in stage.In[T]) error {
		link := stage.NewLink[T](stage.LinkConfig{Capacity: 1})
		errc := make(chan error, 1)
		go func() {
			errc <- s.Run(ctx, link.In())
			link.Drain()
		}()
		err := tr.Run(ctx, in, link.Out())
		link.CloseSend()
		return errors.Join(err, <-errc)
	}}
}

// The wrappers keep the wrapped stage's name for errors and metrics.
type source[T any] struct {
	name string
	run  stage.SourceFunc[T]
}

func (s *source[T]) Name() string                                    { return s.name }
func (s *source[T]) Run(ctx context.Context, out stage.Out[T]) error { return s.run(ctx, out) }

type transform[I, O any] struct {
	name string
	run  stage.TransformFunc[I, O]
}

func (t *transform[I, O]) Name() string { return t.name }
func (t *transform[I, O]) Run(ctx context.Context, in stage.In[I], out stage.Out[O]) error {
	return t.run(ctx, in, out)
}

type sink[T any] struct {
	name string
	run  stage.SinkFunc[T]
}

func (s *sink[T]) Name() string                                  { return s.name }
func (s *sink[T]) Run(ctx context.Context, in stage.In[T]) error { return s.run(ctx, in) }

// Build makes a graph with the fault f injected at position pos and returns
// the graph, the name of the faulted stage, and false when pos is past the
// last position.
type Build func(pos int, f Fault) (g *stream.Graph, stage string, ok bool)

// FaultMatrix runs the graph of build at every position, failing and
// cancelling at each frame of ks, and checks that Run returns the injected
// error as a *stream.StageError naming the stage (or context.Canceled),
// within limit of the fault, with every frame released. It logs the number
// of runs and the slowest return.
func FaultMatrix(t *testing.T, build Build, ks []int, limit time.Duration) {
	t.Helper()
	var worst time.Duration
	runs := 0
	for pos := 0; ; pos++ {
		if _, _, ok := build(pos, Fault{}); !ok {
			break
		}
		for _, cancel := range []bool{false, true} {
			for _, k := range ks {
				t.Run(fmt.Sprintf("%d/cancel=%v/k=%d", pos, cancel, k), func(t *testing.T) {
					NoLeaks(t)
					ctx, stop := context.WithCancel(context.Background())
					defer stop()
					var hitAt atomic.Int64
					f := Fault{K: k, OnHit: func() { hitAt.Store(time.Now().UnixNano()) }}
					if cancel {
						f.Cancel = stop
					}
					g, name, _ := build(pos, f)
					err := g.Run(ctx)
					if hitAt.Load() == 0 {
						t.Fatalf("the fault never happened: %v", err)
					}
					took := time.Since(time.Unix(0, hitAt.Load()))
					worst = max(worst, took)
					runs++
					if took > limit {
						t.Errorf("Run returned %v after the fault", took)
					}
					var se *stream.StageError
					if cancel && !errors.Is(err, context.Canceled) {
						t.Errorf("cancelled: Run returned %v", err)
					}
					if !cancel && (!errors.As(err, &se) || se.Stage != name || !errors.Is(err, ErrInjected)) {
						t.Errorf("failing %s: Run returned %v", name, err)
					}
				})
			}
		}
	}
	t.Logf("%d graph x position x fault runs; slowest return after a fault: %v", runs, worst)
}

// Linear builds the chain src → via... → sink for FaultMatrix, with the
// stage at pos (0 for src, len(via)+1 for sink) wrapped to meet fault f,
// and each stage named by names (one per stage, in order). It reports
// false for a pos past the sink.
func Linear[T any](src stage.Source[T], via []stage.Transform[T, T], sink stage.Sink[T], names []string, pos int, f Fault) (*stream.Graph, string, bool) {
	via = append([]stage.Transform[T, T](nil), via...)
	switch {
	case pos == 0:
		src = Source(src, f)
	case pos <= len(via):
		via[pos-1] = Transform(via[pos-1], f)
	case pos == len(via)+1:
		sink = Sink(sink, f)
	default:
		return nil, "", false
	}
	g := stream.New()
	p := stream.AddSource(g, names[0], src)
	for i, t := range via {
		p = stream.AddTransform(g, names[i+1], p, t)
	}
	stream.AddSink(g, names[len(via)+1], p, sink)
	return g, names[pos], true
}

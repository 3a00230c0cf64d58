// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package stagetest helps test stages of any backend, as net/http/httptest
// does for handlers: wrappers that inject a failure or a cancel at a chosen
// frame into any stage. It does not depend on the graph runner: the fault
// matrix over whole graphs is in stream/streamtest.
package stagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stage"
)

// NoLeaks is frametest.NoLeaks, for the packages that already use stagetest.
func NoLeaks(t testing.TB) { t.Helper(); frametest.NoLeaks(t) }

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
				_ = link.Drain()
				<-errc //nolint:errcheck // the fault is the error to report, not the source's
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

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"fmt"
	"regexp"
)

// Source produces frames: a camera, a file reader, a test pattern.
//
// Run sends frames on out until it has no more (then it returns nil), until
// Send reports false (it returns ctx.Err(): nil when the reader finished
// early), or until it fails (it returns the error). It must not close out:
// the runner does that when Run returns, which is the end of stream.
type Source[T any] interface {
	Run(ctx context.Context, out Out[T]) error
}

// Transform turns frames into frames: encoders, decoders, scalers, filters.
//
// Run receives until in reports the end of stream, flushes what it holds
// (an encoder emits its delayed frames), and returns nil. It owns every
// frame it receives and must send or release each one, on every path.
type Transform[I, O any] interface {
	Run(ctx context.Context, in In[I], out Out[O]) error
}

// Sink consumes frames: a file writer, a display, a network sender.
//
// Run receives until the end of stream, finishes its output (a muxer writes
// its trailer) and returns nil, or returns the first error. It releases every
// frame it receives. A sink that returns early stops its upstream: later
// sends are refused and released.
type Sink[T any] interface {
	Run(ctx context.Context, in In[T]) error
}

// SourceFunc adapts a function to a Source.
type SourceFunc[T any] func(ctx context.Context, out Out[T]) error

// Run calls f.
func (f SourceFunc[T]) Run(ctx context.Context, out Out[T]) error { return f(ctx, out) }

// TransformFunc adapts a function to a Transform.
type TransformFunc[I, O any] func(ctx context.Context, in In[I], out Out[O]) error

// Run calls f.
func (f TransformFunc[I, O]) Run(ctx context.Context, in In[I], out Out[O]) error {
	return f(ctx, in, out)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc[T any] func(ctx context.Context, in In[T]) error

// Run calls f.
func (f SinkFunc[T]) Run(ctx context.Context, in In[T]) error { return f(ctx, in) }

// Named is implemented by stages that name themselves; graphs use the name
// in errors, metrics and Dot output when the caller gives none.
type Named interface{ Name() string }

// NameOf returns s's name: its Name method's result, or its type without
// package paths ("stage.SourceFunc[frame.Video]").
func NameOf(s any) string {
	if n, ok := s.(Named); ok {
		return n.Name()
	}
	return packagePath.ReplaceAllString(fmt.Sprintf("%T", s), "")
}

var packagePath = regexp.MustCompile(`[\w.-]+(/[\w.-]+)*/`)

// Pass returns a transform that forwards every frame unchanged: a hop that
// costs only the link, for benchmarks and as a placeholder.
func Pass[T any]() Transform[T, T] { return pass[T]{} }

type pass[T any] struct{}

func (pass[T]) Name() string { return "pass" }

func (pass[T]) Run(ctx context.Context, in In[T], out Out[T]) error {
	for {
		v, ok := in.Recv()
		if !ok {
			return nil
		}
		if !out.Send(v) {
			return ctx.Err()
		}
	}
}

// Map returns a transform that applies fn to every frame. fn owns the frame
// it is given: it returns it (or a new frame, having released the old), or,
// when it fails, releases it and returns the error, which ends the stage.
func Map[I, O any](fn func(ctx context.Context, v I) (O, error)) Transform[I, O] {
	return mapper[I, O]{fn}
}

type mapper[I, O any] struct {
	fn func(context.Context, I) (O, error)
}

func (mapper[I, O]) Name() string { return "map" }

func (m mapper[I, O]) Run(ctx context.Context, in In[I], out Out[O]) error {
	for {
		v, ok := in.Recv()
		if !ok {
			return nil
		}
		o, err := m.fn(ctx, v)
		if err != nil {
			return err
		}
		if !out.Send(o) {
			return ctx.Err()
		}
	}
}

// Filter returns a transform that forwards the frames keep accepts and
// releases the others. keep must not keep or release the frame it sees.
func Filter[T any](keep func(v T) bool) Transform[T, T] { return filter[T]{keep} }

type filter[T any] struct{ keep func(T) bool }

func (filter[T]) Name() string { return "filter" }

func (f filter[T]) Run(ctx context.Context, in In[T], out Out[T]) error {
	ops := OpsOf[T]()
	for {
		v, ok := in.Recv()
		if !ok {
			return nil
		}
		if !f.keep(v) {
			ops.release(v)
			continue
		}
		if !out.Send(v) {
			return ctx.Err()
		}
	}
}

// AfterDrain wraps err, returned by a stage, so that the runner takes the
// stage's return as the end of its streams rather than a failure of the
// run: the stages downstream finish and deliver every frame they hold, and
// only then does the graph's Run return err. Return it for errors about
// the input data (a truncated file, a corrupt packet), so the frames
// before the damage still reach the sinks; other errors stop the run at
// once. AfterDrain(nil) is nil.
func AfterDrain(err error) error {
	if err == nil {
		return nil
	}
	return &AfterDrainError{err}
}

// AfterDrainError is what AfterDrain returns; the runner looks for it with
// errors.As. errors.Is and errors.As see through it to Err.
type AfterDrainError struct{ Err error }

func (e *AfterDrainError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *AfterDrainError) Unwrap() error { return e.Err }

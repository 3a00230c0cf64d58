// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"time"

	"github.com/spinorml/streamer/frame"
)

// Owned is implemented by items that hold a counted reference, as frames
// do: the core retains one per extra Tee branch and releases what a link
// drops or drains. A user's pooled type implements it, preferably on a
// pointer type (a value type is converted to an interface on each call,
// which can allocate). Items that do not implement it need nothing.
type Owned interface {
	Retain()
	Release()
}

// Sized items say how many bytes they hold, for links bounded by bytes.
type Sized interface{ Size() int }

// Timed items say when they are shown, for a graceful stop that ends its
// sources at one media time; untimed items end at their next item.
type Timed interface {
	Span() (start, end time.Duration)
}

// Ops are what the core does to items of one type, decided once per link
// or stage from the type, so that the per-item path makes no interface
// conversion for frames. A nil func means the type does not need it.
type Ops[T any] struct {
	Retain, Release func(T)
	Size            func(T) int
	Span            func(T) (start, end time.Duration)
}

// OpsOf returns the Ops of T: direct calls for frame.Video and
// frame.Audio, the interfaces above for other types.
func OpsOf[T any]() Ops[T] {
	var zero T
	switch any(zero).(type) {
	case frame.Video:
		return any(Ops[frame.Video]{
			Retain: frame.Video.Retain, Release: frame.Video.Release,
			Size: frame.Video.Size, Span: frame.Video.Span,
		}).(Ops[T])
	case frame.Audio:
		return any(Ops[frame.Audio]{
			Retain: frame.Audio.Retain, Release: frame.Audio.Release,
			Size: frame.Audio.Size, Span: frame.Audio.Span,
		}).(Ops[T])
	}
	var ops Ops[T]
	if isOwned(any(zero)) {
		ops.Retain = func(v T) { any(v).(Owned).Retain() }
		ops.Release = func(v T) { any(v).(Owned).Release() }
	}
	if _, ok := any(zero).(Sized); ok {
		ops.Size = func(v T) int { return any(v).(Sized).Size() }
	}
	if _, ok := any(zero).(Timed); ok {
		ops.Span = func(v T) (time.Duration, time.Duration) { return any(v).(Timed).Span() }
	}
	return ops
}

// isOwned reports whether x's dynamic type (possibly a nil pointer or nil
// interface of a type) implements Owned.
func isOwned(x any) bool {
	_, ok := x.(Owned)
	return ok
}

// release releases v when its type is Owned; else it does nothing.
func (o Ops[T]) release(v T) {
	if o.Release != nil {
		o.Release(v)
	}
}

// size is v's bytes when its type is Sized; else 0.
func (o Ops[T]) size(v T) int {
	if o.Size != nil {
		return o.Size(v)
	}
	return 0
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// Tap is a view of the items a link carries, for a live preview or a
// probe. Each item sent on the link is also offered to the tap,
// which keeps only the newest: it holds its own reference (Retain, for
// owned types) and, when a newer item arrives before Next took the last
// one, drops and releases the older one, counting it. Offering never
// waits, so a slow viewer never slows the link.
//
// The first tap of a link puts a relay goroutine between its writer and
// its queue (as a graceful stop does): from then on each item makes one
// more goroutine hop, and a link nobody watches pays nothing. The relay
// ends when the writer closes the link, so tap a link of a graph that
// runs. Items a drop policy discards are offered too. An item handed out by Next may still be in use downstream:
// read it, never write to it.
type Tap[T any] struct {
	l     *Link[T]
	ready chan struct{} // holds a token while an item waits

	mu     sync.Mutex
	v      T
	full   bool
	closed bool

	offered, dropped atomic.Uint64
}

// Tap attaches a new tap to l. Several taps may watch one link; each must
// be closed, which releases the item it holds. Attaching and closing are
// safe while the link is in use.
func (l *Link[T]) Tap() *Tap[T] {
	t := &Tap[T]{l: l, ready: make(chan struct{}, 1)}
	l.wmu.Lock()
	l.startRelay()
	l.wmu.Unlock()
	l.tapMu.Lock()
	defer l.tapMu.Unlock()
	var taps []*Tap[T]
	if p := l.taps.Load(); p != nil {
		taps = slices.Clone(*p)
	}
	taps = append(taps, t)
	l.taps.Store(&taps)
	return t
}

// offer gives v, just sent on the link, to every tap; the relay calls it.
func (l *Link[T]) offer(v T) {
	p := l.taps.Load()
	if p == nil {
		return
	}
	for _, t := range *p {
		t.offer(v)
	}
}

func (t *Tap[T]) offer(v T) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	ops := &t.l.ops
	if ops.Retain != nil {
		ops.Retain(v)
	}
	old, dropped := t.v, t.full
	t.v, t.full = v, true
	t.mu.Unlock()
	t.offered.Add(1)
	if dropped {
		ops.release(old)
		t.dropped.Add(1)
		t.l.tapDropped.Add(1)
	}
	select {
	case t.ready <- struct{}{}:
	default: // a token is already waiting
	}
}

// Next waits for the newest item not yet taken and returns it with one
// reference, which the caller releases. It returns ctx's error when ctx
// ends first, and ErrTapClosed after Close.
func (t *Tap[T]) Next(ctx context.Context) (T, error) {
	var zero T
	for {
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			return zero, ErrTapClosed
		}
		if t.full {
			v := t.v
			t.v, t.full = zero, false
			t.mu.Unlock()
			return v, nil
		}
		t.mu.Unlock()
		select {
		case <-t.ready:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// Offered returns how many items the link offered to t.
func (t *Tap[T]) Offered() uint64 { return t.offered.Load() }

// Dropped returns how many items t dropped because a newer one came before
// Next took them.
func (t *Tap[T]) Dropped() uint64 { return t.dropped.Load() }

// Close detaches t from its link and releases the item it holds; a Next
// waiting on it returns ErrTapClosed once its context ends or, if it is
// still looping, at once. Closing twice does nothing.
func (t *Tap[T]) Close() {
	l := t.l
	l.tapMu.Lock()
	if p := l.taps.Load(); p != nil {
		taps := slices.DeleteFunc(slices.Clone(*p), func(x *Tap[T]) bool { return x == t })
		if len(taps) == 0 {
			l.taps.Store(nil)
		} else {
			l.taps.Store(&taps)
		}
	}
	l.tapMu.Unlock()

	t.mu.Lock()
	v, held := t.v, t.full
	var zero T
	t.v, t.full, t.closed = zero, false, true
	t.mu.Unlock()
	if held {
		l.ops.release(v)
	}
	select {
	case t.ready <- struct{}{}: // wake a waiting Next
	default:
	}
}

// ErrTapClosed is what Tap.Next returns after Close.
var ErrTapClosed = errors.New("stage: tap closed")

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"sync"
	"sync/atomic"
)

// Tee sends every frame to each of its outputs, retaining it once per extra
// branch so each branch owns a reference. A branch whose reader has stopped
// is skipped from then on; Tee ends when its input ends or every branch has
// stopped.
type Tee[T any] struct{}

// Name returns "tee".
func (Tee[T]) Name() string { return "tee" }

// Run copies in to every out.
func (Tee[T]) Run(ctx context.Context, in In[T], outs []Out[T]) error {
	ops := OpsOf[T]()
	live := append([]Out[T](nil), outs...)
	for {
		v, ok := in.Recv()
		if !ok {
			return nil
		}
		if len(live) == 0 {
			ops.release(v)
			return ctx.Err()
		}
		if ops.Retain != nil {
			for range len(live) - 1 {
				ops.Retain(v)
			}
		}
		kept := live[:0]
		for _, o := range live {
			if o.Send(v) {
				kept = append(kept, o)
			}
		}
		live = kept
	}
}

// Merge forwards the frames of all its inputs to one output, in the order
// they arrive (not by PTS). It ends when every input has ended.
type Merge[T any] struct{}

// Name returns "merge".
func (Merge[T]) Name() string { return "merge" }

// Run reads every input in its own goroutine and returns when all are done.
func (Merge[T]) Run(ctx context.Context, ins []In[T], out Out[T]) error {
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Go(func() {
			for {
				v, ok := in.Recv()
				if !ok || !out.Send(v) {
					return
				}
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// Null is a sink that releases every frame and counts them.
type Null[T any] struct{ n atomic.Int64 }

// Name returns "null".
func (*Null[T]) Name() string { return "null" }

// Run releases frames until the end of stream.
func (s *Null[T]) Run(ctx context.Context, in In[T]) error {
	ops := OpsOf[T]()
	for {
		v, ok := in.Recv()
		if !ok {
			return nil
		}
		ops.release(v)
		s.n.Add(1)
	}
}

// Count returns how many frames the sink has released.
func (s *Null[T]) Count() int64 { return s.n.Load() }

// Collect is a sink that keeps every frame it receives, for tests. The
// frames keep their references until Release.
type Collect[T any] struct {
	mu     sync.Mutex
	frames []T
	// Max, when positive, makes the sink return after Max frames, which
	// stops its upstream.
	Max int
}

// Name returns "collect".
func (*Collect[T]) Name() string { return "collect" }

// Run keeps frames until the end of stream or Max frames.
func (c *Collect[T]) Run(ctx context.Context, in In[T]) error {
	for {
		v, ok := in.Recv()
		if !ok {
			return nil
		}
		c.mu.Lock()
		c.frames = append(c.frames, v)
		n := len(c.frames)
		c.mu.Unlock()
		if c.Max > 0 && n >= c.Max {
			return nil
		}
	}
}

// Frames returns the frames collected so far; they stay owned by c.
func (c *Collect[T]) Frames() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]T(nil), c.frames...)
}

// Release releases every collected frame and forgets them.
func (c *Collect[T]) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := OpsOf[T]()
	for _, v := range c.frames {
		ops.release(v)
	}
	c.frames = nil
}

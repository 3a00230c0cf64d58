// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// pacer holds senders of several streams to one wall clock: the first
// frame of any stream fixes the wall-clock time of PTS 0, and each frame
// waits until its PTS is due. Safe for concurrent use.
type pacer struct {
	mu    sync.Mutex
	start time.Time
}

func (c *pacer) origin() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start
}

// wait returns once pts is due, at once when it is late, and false when
// ctx ends first.
func (c *pacer) wait(ctx context.Context, pts time.Duration) bool {
	c.mu.Lock()
	if c.start.IsZero() {
		c.start = time.Now().Add(-pts)
	}
	d := time.Until(c.start.Add(pts))
	c.mu.Unlock()
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// mediaFrame is a frame a sender takes.
type mediaFrame interface {
	frame.Video | frame.Audio
	Release()
}

// feed is one input of a sender: its frames (and one already received
// from it, sent first), how they become samples, and where those go.
type feed[T mediaFrame] struct {
	in      stage.In[T]
	first   *T
	prepare func(context.Context, T) (sample, error)
	send    func(sample) error
}

// on reports whether f has frames to send.
func (f *feed[T]) on() bool { return f.in != (stage.In[T]{}) || f.first != nil }

// peek returns the format of f's frames: format when it is not 0, else
// that of the first frame, which f keeps to send first. An input without
// frames has format 0 and is turned off.
func (f *feed[T]) peek(format frame.Format, formatOf func(T) frame.Format) frame.Format {
	if f.in == (stage.In[T]{}) {
		return 0
	}
	if format != 0 {
		return format
	}
	v, ok := f.in.Recv()
	if !ok {
		f.in = stage.In[T]{}
		return 0
	}
	f.first = &v
	return formatOf(v)
}

// off turns f off, releasing a frame it kept.
func (f *feed[T]) off() {
	if f.first != nil {
		(*f.first).Release()
		f.first = nil
	}
	f.in = stage.In[T]{}
}

// next returns the frame kept, then those of the input.
func (f *feed[T]) next() (T, bool) {
	if f.first != nil {
		v := *f.first
		f.first = nil
		return v, true
	}
	return f.in.Recv()
}

// pump reads f until its end, turning each frame into a sample and,
// once its PTS is due by clock, sending it. It releases every frame it
// receives, and returns the first error, or nil at the end of the input
// or when ctx ends.
func (f *feed[T]) pump(ctx context.Context, clock *pacer) error {
	for {
		v, ok := f.next()
		if !ok {
			return nil
		}
		if ctx.Err() != nil {
			v.Release()
			return nil
		}
		s, err := f.prepare(ctx, v)
		v.Release()
		if err != nil {
			return err
		}
		if !clock.wait(ctx, s.pts) {
			return nil
		}
		if err := f.send(s); err != nil {
			return err
		}
	}
}

// sendBoth pumps the feeds that are on, each on its own goroutine and
// both by one clock, until both end; the first error stops the other.
func sendBoth(ctx context.Context, clock *pacer, video *feed[frame.Video], audio *feed[frame.Audio]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	run := func(i int, pump func(context.Context, *pacer) error) {
		wg.Go(func() {
			if errs[i] = pump(ctx, clock); errs[i] != nil {
				cancel()
			}
		})
	}
	if video.on() {
		run(0, video.pump)
	}
	if audio.on() {
		run(1, audio.pump)
	}
	wg.Wait()
	return errors.Join(errs...)
}

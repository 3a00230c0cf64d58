// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spinorml/streamer/frame"
)

// Rate converts raw video to a constant frame rate, as GStreamer's
// videorate does: output frame k has PTS start+k/FPS and is the latest input
// frame whose PTS is not after it. Input faster than FPS loses frames (they
// are released); slower input has frames repeated (retained, not copied).
// With Pace set it also sends each frame no earlier than its PTS after the
// first, in wall-clock time, like ffmpeg's -re or a synced sink.
//
// Rate works on PTS, so encoded frames (which cannot be dropped or repeated
// without breaking the stream) are refused with an error.
type Rate struct {
	FPS  frame.Rational
	Pace bool

	dropped, duplicated atomic.Int64
}

// Name returns "rate".
func (*Rate) Name() string { return "rate" }

// Dropped returns how many input frames were not sent.
func (r *Rate) Dropped() int64 { return r.dropped.Load() }

// Duplicated returns how many extra copies of frames were sent.
func (r *Rate) Duplicated() int64 { return r.duplicated.Load() }

// Run converts the rate of in. It holds one frame, since a frame's time on
// screen is known only when the next arrives; at the end of stream the last
// frame fills its own Duration.
func (r *Rate) Run(ctx context.Context, in In[frame.Video], out Out[frame.Video]) error {
	if r.FPS.Num <= 0 || r.FPS.Den <= 0 {
		return fmt.Errorf("rate: frame rate %v is not positive", r.FPS)
	}
	step := time.Duration(int64(time.Second) * int64(r.FPS.Den) / int64(r.FPS.Num))
	var (
		held    frame.Video
		have    bool
		start   time.Duration // PTS of output slot 0: the first input frame's
		slot    int64         // index of the next output slot
		next    time.Duration // its PTS, start + slot/FPS, computed exactly (a sum of steps drifts)
		pace    Pacer
		emitted bool // whether held was sent at least once
	)
	// emit sends held with PTS t and reports false when the run must stop.
	emit := func(t time.Duration) bool {
		if r.Pace && !pace.Wait(ctx, t) {
			return false
		}
		if emitted {
			r.duplicated.Add(1)
		}
		emitted = true
		v := held
		v.Retain()
		v.PTS, v.DTS = t, t
		v.Duration = frameTime(slot+1, r.FPS) - frameTime(slot, r.FPS)
		return out.Send(v)
	}
	// flush sends held for every slot before end and drops it.
	flush := func(end time.Duration) bool {
		for next < end {
			if !emit(next) {
				held.Release()
				return false
			}
			slot++
			next = start + frameTime(slot, r.FPS)
		}
		if !emitted {
			r.dropped.Add(1)
		}
		held.Release()
		return true
	}
	for {
		v, ok := in.Recv()
		if !ok {
			break
		}
		if v.Format.IsEncoded() {
			v.Release()
			if have {
				held.Release()
			}
			return fmt.Errorf("rate: %v frames are encoded and cannot be dropped or repeated", v.Format)
		}
		if !have {
			held, have, start, next, emitted = v, true, v.PTS, v.PTS, false
			continue
		}
		if !flush(v.PTS) {
			v.Release()
			return ctx.Err()
		}
		held, emitted = v, false
	}
	if !have {
		return nil
	}
	end := held.PTS + held.Duration
	if held.Duration <= 0 {
		end = held.PTS + step
	}
	if !flush(end) {
		return ctx.Err()
	}
	return nil
}

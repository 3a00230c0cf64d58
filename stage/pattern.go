// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/spinorml/streamer/frame"
)

// Pacer holds a stage to wall-clock time, as ffmpeg's -re or a synced sink
// does. The zero Pacer is ready; it is not safe for concurrent use.
type Pacer struct {
	start time.Time
	timer *time.Timer
}

// Wait returns true once t has elapsed in wall-clock time since the first
// call (whose t is the origin), at once when it already has, and false when
// ctx is cancelled first.
func (p *Pacer) Wait(ctx context.Context, t time.Duration) bool {
	if p.start.IsZero() {
		p.start = time.Now().Add(-t)
	}
	d := time.Until(p.start.Add(t))
	if d <= 0 {
		return ctx.Err() == nil
	}
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		p.timer.Stop()
		return false
	case <-p.timer.C:
		return true
	}
}

// frameTime returns the time of frame n at rate r (frames or samples per
// second), exact for any n a stream reaches.
func frameTime(n int64, r frame.Rational) time.Duration {
	num, den := int64(r.Num), int64(r.Den)
	secs := n * den / num
	rem := n*den - secs*num
	return time.Duration(secs)*time.Second + time.Duration(rem*int64(time.Second)/num)
}

// Pattern is a source of moving I420 test video, made in pure Go: a
// scrolling luma ramp over eight colour bars with a bouncing white square,
// so motion and colour are both visible and every frame differs. Buffers
// come from a pool, so once warm it allocates nothing per frame.
type Pattern struct {
	Width, Height int            // default 320x240
	FPS           frame.Rational // default 30/1
	Frames        int            // frames to send; 0 means until cancelled
	Live          bool           // send each frame at its PTS in wall-clock time
}

// Name returns "pattern".
func (*Pattern) Name() string { return "pattern" }

// Run sends the frames.
func (p *Pattern) Run(ctx context.Context, out Out[frame.Video]) error {
	w, h, fps := p.Width, p.Height, p.FPS
	if w == 0 && h == 0 {
		w, h = 320, 240
	}
	if fps == (frame.Rational{}) {
		fps = frame.Rational{Num: 30, Den: 1}
	}
	if w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return fmt.Errorf("pattern: size %dx%d is out of range (1..16384)", w, h)
	}
	if fps.Num <= 0 || fps.Den <= 0 {
		return fmt.Errorf("pattern: frame rate %v is not positive", fps)
	}
	pool, err := frame.NewVideoPool(frame.I420, w, h)
	if err != nil {
		return fmt.Errorf("pattern: %w", err)
	}
	cw := (w + 1) / 2
	// One ramp twice as wide as the frame: each row is a window into it.
	ramp := make([]byte, 2*w)
	for x := range ramp {
		ramp[x] = byte(16 + (x%w)*219/w)
	}
	// Eight bars in chroma: (U, V) pairs of the classic bar colours.
	bars := [8][2]byte{{128, 128}, {16, 146}, {166, 16}, {54, 34}, {202, 222}, {90, 240}, {240, 110}, {128, 128}}
	rowU, rowV := make([]byte, cw), make([]byte, cw)
	for x := range cw {
		b := bars[x*8/cw]
		rowU[x], rowV[x] = b[0], b[1]
	}
	box := min(max(min(w, h)/8, 2), w, h)
	var pace Pacer
	for n := int64(0); p.Frames <= 0 || n < int64(p.Frames); n++ {
		v := pool.Get()
		planes, _ := v.Data.Planes(ctx)
		Y, U, V := planes[0], planes[1], planes[2]
		shift := int(n*4) % w
		for y := range h {
			off := (shift + y/2) % w
			copy(Y[y*w:(y+1)*w], ramp[off:off+w])
		}
		for y := range (h + 1) / 2 {
			copy(U[y*cw:(y+1)*cw], rowU)
			copy(V[y*cw:(y+1)*cw], rowV)
		}
		bx := bounce(n*3, w-box)
		by := bounce(n*2, h-box)
		for y := by; y < by+box; y++ {
			row := Y[y*w+bx : y*w+bx+box]
			for i := range row {
				row[i] = 235
			}
		}
		v.PTS = frameTime(n, fps)
		v.DTS = v.PTS
		v.Duration = frameTime(n+1, fps) - v.PTS
		v.Keyframe = true
		if p.Live && !pace.Wait(ctx, v.PTS) {
			v.Release()
			return ctx.Err()
		}
		if !out.Send(v) {
			return ctx.Err()
		}
	}
	return nil
}

// bounce maps a growing position onto 0..limit and back.
func bounce(pos int64, limit int) int {
	if limit <= 0 {
		return 0
	}
	p := int(pos % int64(2*limit))
	if p > limit {
		p = 2*limit - p
	}
	return p
}

// Sine is a source of a pure tone in raw audio, made in pure Go.
type Sine struct {
	Freq     float64      // Hz; default 440
	Volume   float64      // 0..1 of full scale; default 0.5
	Rate     int          // samples per second; default 48000
	Channels int          // default 2; every channel carries the tone
	Samples  int          // samples per channel per frame; default 1024
	Format   frame.Format // S16 (default), S16P, F32 or F32P
	Frames   int          // frames to send; 0 means until cancelled
	Live     bool         // send each frame at its PTS in wall-clock time
}

// Name returns "sine".
func (*Sine) Name() string { return "sine" }

// Run sends the frames.
func (s *Sine) Run(ctx context.Context, out Out[frame.Audio]) error {
	freq, vol, rate, chans, ns, f := s.Freq, s.Volume, s.Rate, s.Channels, s.Samples, s.Format
	if freq == 0 {
		freq = 440
	}
	if vol == 0 {
		vol = 0.5
	}
	if rate == 0 {
		rate = 48000
	}
	if chans == 0 {
		chans = 2
	}
	if ns == 0 {
		ns = 1024
	}
	if f == frame.FormatUnknown {
		f = frame.S16
	}
	if f.SampleSize() == 0 {
		return fmt.Errorf("sine: %v is not a raw audio format", f)
	}
	if rate < 0 || chans < 0 || chans > 64 || ns < 0 || vol < 0 || vol > 1 {
		return fmt.Errorf("sine: bad parameters: rate %d, channels %d, samples %d, volume %g", rate, chans, ns, vol)
	}
	planar := f.IsPlanarAudio()
	var pool *frame.Pool
	if planar {
		sizes := make([]int, chans)
		for i := range sizes {
			sizes[i] = ns * f.SampleSize()
		}
		pool = frame.NewPool(sizes...)
	} else {
		pool = frame.NewPool(ns * chans * f.SampleSize())
	}
	r := frame.Rational{Num: rate, Den: 1}
	step := 2 * math.Pi * freq / float64(rate)
	var pace Pacer
	for n := int64(0); s.Frames <= 0 || n < int64(s.Frames); n++ {
		d := pool.Get()
		planes, _ := d.Planes(ctx)
		first := n * int64(ns)
		for i := range ns {
			x := vol * math.Sin(step*float64(first+int64(i)))
			for c := range chans {
				plane, idx := planes[0], i*chans+c
				if planar {
					plane, idx = planes[c], i
				}
				if f.SampleSize() == 2 {
					v := uint16(int16(math.Round(x * 32767)))
					plane[2*idx], plane[2*idx+1] = byte(v), byte(v>>8)
				} else {
					v := math.Float32bits(float32(x))
					plane[4*idx], plane[4*idx+1], plane[4*idx+2], plane[4*idx+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
				}
			}
		}
		a := frame.Audio{Data: d, Format: f, Rate: rate, Channels: chans, Samples: ns, Keyframe: true}
		a.PTS = frameTime(first, r)
		a.DTS = a.PTS
		a.Duration = frameTime(first+int64(ns), r) - a.PTS
		if s.Live && !pace.Wait(ctx, a.PTS) {
			a.Release()
			return ctx.Err()
		}
		if !out.Send(a) {
			return ctx.Err()
		}
	}
	return nil
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Resampler is a transform that converts raw audio with swresample: sample
// Rate, Channels (default layouts) and Format (S16, S16P, F32, F32P), and,
// when Samples is set, cuts the output into frames of exactly that many
// samples per channel (1024 for AAC, 960 for 20 ms of Opus at 48 kHz); the
// last frame of the stream is shorter. Zero fields keep the input's value;
// frames already as asked pass through untouched. Output timestamps count
// samples from the first input frame's PTS.
//
// The Encoder converts and re-frames audio by itself; use a Resampler to
// hand audio to other backends or to stages that want a fixed layout.
type Resampler struct {
	Rate     int
	Channels int
	Format   frame.Format
	Samples  int
}

// Name returns "ffmpeg-resample".
func (*Resampler) Name() string { return "ffmpeg-resample" }

type resampler struct {
	cfg     *Resampler
	audio   audioFrames
	format  frame.Format
	started bool
	start   time.Duration // PTS of the first input frame
	samples int64         // samples per channel sent
}

// Run resamples until the end of input, then flushes what swresample and
// the frame cutter hold.
func (rs *Resampler) Run(ctx context.Context, in stage.In[frame.Audio], out stage.Out[frame.Audio]) error {
	r := &resampler{cfg: rs}
	defer r.audio.free()
	for {
		a, ok := recv(ctx, in)
		if !ok {
			break
		}
		if err := r.begin(a); err != nil {
			a.Release()
			return err
		}
		if rs.Samples == 0 && r.audio.swr == nil && a.Rate == r.audio.rate && a.Channels == r.audio.ch && a.Format == r.format {
			if !out.Send(a) {
				return ctx.Err()
			}
			continue
		}
		f, err := audioFrameOf(ctx, a)
		a.Release()
		if err != nil {
			return fmt.Errorf("ffmpeg: resample: %w", err)
		}
		if err := r.convert(ctx, f, out); err != nil {
			return err
		}
	}
	if ctx.Err() != nil || !r.started {
		return ctx.Err()
	}
	if r.audio.swr != nil {
		if err := r.convert(ctx, nil, out); err != nil {
			return err
		}
	}
	if r.audio.fifo != nil {
		return r.drain(ctx, out, true)
	}
	return nil
}

// begin sets the output up from the first frame a: the fields left zero
// take a's values.
func (r *resampler) begin(a frame.Audio) error {
	if a.Format.IsEncoded() {
		return fmt.Errorf("ffmpeg: resample: %v is encoded", a.Format)
	}
	if r.started {
		return nil
	}
	rs := r.cfg
	r.started, r.start = true, a.PTS
	r.audio.rate, r.audio.ch, r.format = rs.Rate, rs.Channels, rs.Format
	if r.audio.rate <= 0 {
		r.audio.rate = a.Rate
	}
	if r.audio.ch <= 0 {
		r.audio.ch = a.Channels
	}
	if r.format == frame.FormatUnknown {
		r.format = a.Format
	}
	sf, ok := sampleOfFormat(r.format)
	if !ok {
		return fmt.Errorf("ffmpeg: resample: cannot convert to %v", r.format)
	}
	r.audio.sf = C.int(sf)
	if rs.Samples > 0 {
		if err := r.audio.cut(rs.Samples, false); err != nil {
			return fmt.Errorf("ffmpeg: resample: %w", err)
		}
	}
	return nil
}

// convert takes over f (nil flushes swresample) and sends what comes out.
func (r *resampler) convert(ctx context.Context, f *C.AVFrame, out stage.Out[frame.Audio]) error {
	g := f // only re-framing
	if f == nil || r.audio.converts(f) {
		var err error
		if g, err = r.audio.convert(f); err != nil {
			return fmt.Errorf("ffmpeg: resample to %v %d Hz %d channels: %w", r.format, r.audio.rate, r.audio.ch, err)
		}
	}
	if g.nb_samples <= 0 {
		C.sm_frame_free(g)
		return nil
	}
	if r.audio.fifo == nil {
		return r.send(ctx, g, out)
	}
	if err := r.audio.push(g); err != nil {
		return fmt.Errorf("ffmpeg: resample: %w", err)
	}
	return r.drain(ctx, out, false)
}

// drain sends whole frames of Samples from the FIFO, and at the end the rest.
func (r *resampler) drain(ctx context.Context, out stage.Out[frame.Audio], end bool) error {
	for {
		f, err := r.audio.pop(end)
		if err != nil {
			return fmt.Errorf("ffmpeg: resample: %w", err)
		}
		if f == nil {
			return nil
		}
		if err := r.send(ctx, f, out); err != nil {
			return err
		}
	}
}

// send takes over f and sends it, timed by the samples sent before it.
func (r *resampler) send(ctx context.Context, f *C.AVFrame, out stage.Out[frame.Audio]) error {
	ns := int64(f.nb_samples)
	rate := int64(r.audio.rate)
	pts := r.start + time.Duration(r.samples*int64(time.Second)/rate)
	r.samples += ns
	end := r.start + time.Duration(r.samples*int64(time.Second)/rate)
	a := frame.Audio{Data: audioData(f), Format: r.format, Rate: r.audio.rate, Channels: r.audio.ch, Samples: int(ns),
		PTS: pts, DTS: pts, Duration: end - pts, Keyframe: true}
	if !out.Send(a) {
		return ctx.Err()
	}
	return nil
}

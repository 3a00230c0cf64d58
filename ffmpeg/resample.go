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
	"unsafe"

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
	cfg      *Resampler
	swr      *C.SwrContext
	fifo     *C.AVAudioFifo
	rate, ch int
	format   frame.Format
	sf       C.int
	started  bool
	start    time.Duration // PTS of the first input frame
	samples  int64         // samples per channel sent
}

func (r *resampler) close() {
	if r.swr != nil {
		C.swr_free(&r.swr)
	}
	if r.fifo != nil {
		C.av_audio_fifo_free(r.fifo)
	}
}

// Run resamples until the end of input, then flushes what swresample and
// the frame cutter hold.
func (rs *Resampler) Run(ctx context.Context, in stage.In[frame.Audio], out stage.Out[frame.Audio]) error {
	r := &resampler{cfg: rs}
	defer r.close()
	for {
		a, ok := in.Recv()
		if !ok {
			break
		}
		if ctx.Err() != nil {
			a.Release()
			return ctx.Err()
		}
		if a.Format.IsEncoded() {
			a.Release()
			return fmt.Errorf("ffmpeg: resample: %v is encoded", a.Format)
		}
		if !r.started {
			r.started, r.start = true, a.PTS
			r.rate, r.ch, r.format = rs.Rate, rs.Channels, rs.Format
			if r.rate <= 0 {
				r.rate = a.Rate
			}
			if r.ch <= 0 {
				r.ch = a.Channels
			}
			if r.format == frame.FormatUnknown {
				r.format = a.Format
			}
			sf, ok := sampleOfFormat(r.format)
			if !ok {
				a.Release()
				return fmt.Errorf("ffmpeg: resample: cannot convert to %v", r.format)
			}
			r.sf = C.int(sf)
			if rs.Samples > 0 {
				if r.fifo = C.av_audio_fifo_alloc(C.enum_AVSampleFormat(sf), C.int(r.ch), C.int(rs.Samples)); r.fifo == nil {
					a.Release()
					return fmt.Errorf("ffmpeg: resample: out of memory")
				}
			}
		}
		if rs.Samples == 0 && r.swr == nil && a.Rate == r.rate && a.Channels == r.ch && a.Format == r.format {
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
	if r.swr != nil {
		if err := r.convert(ctx, nil, out); err != nil {
			return err
		}
	}
	if r.fifo != nil {
		return r.drain(ctx, out, true)
	}
	return nil
}

// convert takes over f (nil flushes swresample) and sends what comes out.
func (r *resampler) convert(ctx context.Context, f *C.AVFrame, out stage.Out[frame.Audio]) error {
	var g *C.AVFrame
	if f != nil && f.format == r.sf && int(f.sample_rate) == r.rate && int(f.ch_layout.nb_channels) == r.ch && r.swr == nil {
		g = f // only re-framing
	} else {
		g = C.av_frame_alloc()
		ret := C.sm_resample(&r.swr, f, g, r.sf, C.int(r.rate), C.int(r.ch))
		if f != nil {
			C.sm_frame_free(f)
		}
		if ret < 0 {
			C.sm_frame_free(g)
			return fmt.Errorf("ffmpeg: resample to %v %d Hz %d channels: %w", r.format, r.rate, r.ch, avErr(ret))
		}
	}
	if g.nb_samples <= 0 {
		C.sm_frame_free(g)
		return nil
	}
	if r.fifo == nil {
		return r.send(ctx, g, out)
	}
	ret := C.av_audio_fifo_write(r.fifo, (*unsafe.Pointer)(unsafe.Pointer(g.extended_data)), g.nb_samples)
	C.sm_frame_free(g)
	if ret < 0 {
		return fmt.Errorf("ffmpeg: resample: audio FIFO: %w", avErr(ret))
	}
	return r.drain(ctx, out, false)
}

// drain sends whole frames of Samples from the FIFO, and at the end the rest.
func (r *resampler) drain(ctx context.Context, out stage.Out[frame.Audio], end bool) error {
	n := C.int(r.cfg.Samples)
	for {
		have := C.av_audio_fifo_size(r.fifo)
		if have == 0 || have < n && !end {
			return nil
		}
		k := min(have, n)
		var cerr C.int
		f := C.sm_audio_frame(r.sf, C.int(r.rate), C.int(r.ch), k, &cerr)
		if f == nil {
			return fmt.Errorf("ffmpeg: resample: %w", avErr(cerr))
		}
		C.av_audio_fifo_read(r.fifo, (*unsafe.Pointer)(unsafe.Pointer(f.extended_data)), k)
		if err := r.send(ctx, f, out); err != nil {
			return err
		}
	}
}

// send takes over f and sends it, timed by the samples sent before it.
func (r *resampler) send(ctx context.Context, f *C.AVFrame, out stage.Out[frame.Audio]) error {
	ns := int64(f.nb_samples)
	pts := r.start + time.Duration(r.samples*int64(time.Second)/int64(r.rate))
	r.samples += ns
	end := r.start + time.Duration(r.samples*int64(time.Second)/int64(r.rate))
	a := frame.Audio{Data: audioData(f), Format: r.format, Rate: r.rate, Channels: r.ch, Samples: int(ns),
		PTS: pts, DTS: pts, Duration: end - pts, Keyframe: true}
	if !out.Send(a) {
		return ctx.Err()
	}
	return nil
}

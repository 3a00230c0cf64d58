// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// audioFrames converts raw audio to one sample format, rate and channel
// count (swresample, made on the first frame that differs) and, once cut
// is called, cuts it into frames of a fixed number of samples (an
// AVAudioFifo): what an encoder with a fixed frame size and a Resampler
// with Samples both need.
type audioFrames struct {
	swr  *C.SwrContext
	fifo *C.AVAudioFifo
	sf   C.int // sample format made
	rate int
	ch   int
	size C.int // samples per frame cut
	pad  bool  // the last frame is padded with silence to size, else shorter
}

// cut makes frames of size samples from now on; with pad the last one is
// padded with silence.
func (a *audioFrames) cut(size int, pad bool) error {
	a.size, a.pad = C.int(size), pad
	if a.fifo = C.av_audio_fifo_alloc(C.enum_AVSampleFormat(a.sf), C.int(a.ch), a.size); a.fifo == nil {
		return fmt.Errorf("out of memory for an audio FIFO")
	}
	return nil
}

func (a *audioFrames) free() {
	if a.swr != nil {
		C.swr_free(&a.swr)
	}
	if a.fifo != nil {
		C.av_audio_fifo_free(a.fifo)
		a.fifo = nil
	}
}

// converts reports whether f must go through swresample: it is not in the
// layout made, or swresample holds samples that must come out before f's.
func (a *audioFrames) converts(f *C.AVFrame) bool {
	return f.format != a.sf || int(f.sample_rate) != a.rate || int(f.ch_layout.nb_channels) != a.ch || a.swr != nil
}

// convert takes over f and returns a new frame of its samples converted;
// nil f flushes what swresample holds. The error is FFmpeg's.
func (a *audioFrames) convert(f *C.AVFrame) (*C.AVFrame, error) {
	g := C.av_frame_alloc()
	ret := C.sm_resample(&a.swr, f, g, a.sf, C.int(a.rate), C.int(a.ch))
	if f != nil {
		C.sm_frame_free(f)
	}
	if ret < 0 {
		C.sm_frame_free(g)
		return nil, avErr(ret)
	}
	return g, nil
}

// push takes over f and adds its samples to the frames being cut.
func (a *audioFrames) push(f *C.AVFrame) error {
	var ret C.int
	if f.nb_samples > 0 {
		ret = C.av_audio_fifo_write(a.fifo, (*unsafe.Pointer)(unsafe.Pointer(f.extended_data)), f.nb_samples)
	}
	C.sm_frame_free(f)
	if ret < 0 {
		return fmt.Errorf("audio FIFO: %w", avErr(ret))
	}
	return nil
}

// pop returns the next whole frame cut, or at the end the samples left
// (padded with silence when pad); nil when there is none yet. The error is
// FFmpeg's.
func (a *audioFrames) pop(end bool) (*C.AVFrame, error) {
	have := C.av_audio_fifo_size(a.fifo)
	if have == 0 || have < a.size && !end {
		return nil, nil
	}
	n := min(have, a.size)
	if a.pad {
		n = a.size
	}
	r := C.sm_audio_frame(a.sf, C.int(a.rate), C.int(a.ch), n)
	if r.f == nil {
		return nil, avErr(r.err)
	}
	f := r.f
	got := C.av_audio_fifo_read(a.fifo, (*unsafe.Pointer)(unsafe.Pointer(f.extended_data)), min(have, a.size))
	if got < n {
		C.av_samples_set_silence(f.extended_data, got, n-got, C.int(a.ch), C.enum_AVSampleFormat(a.sf))
	}
	return f, nil
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"github.com/spinorml/streamer/frame"
)

// refFrame returns a new AVFrame referencing src's buffers.
func refFrame(src *C.AVFrame) (*C.AVFrame, error) {
	f := C.av_frame_alloc()
	if f == nil {
		return nil, errors.New("ffmpeg: out of memory for a frame")
	}
	if err := avErr(C.av_frame_ref(f, src)); err != nil {
		C.sm_frame_free(f)
		return nil, fmt.Errorf("ffmpeg: frame reference: %w", err)
	}
	return f, nil
}

// videoFrameOf returns a new AVFrame for the raw video frame v (v is not
// released): a reference to the same buffers when v carries an AVFrame, else
// a copy of its planes into FFmpeg buffers, counted by frame.CopiedBytes.
func videoFrameOf(ctx context.Context, v frame.Video) (*C.AVFrame, error) {
	if fd, ok := v.Data.(*FrameData); ok && fd.frm != nil {
		return refFrame(fd.frm)
	}
	pf, ok := pixOfFormat(v.Format)
	switch {
	case !ok:
		return nil, fmt.Errorf("ffmpeg: no FFmpeg pixel format for %v", v.Format)
	case v.Width <= 0 || v.Height <= 0:
		return nil, fmt.Errorf("ffmpeg: %v frame of size %dx%d", v.Format, v.Width, v.Height)
	}
	planes, err := v.Planes(ctx)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: frame bytes: %w", err)
	}
	if len(planes) < v.Format.Planes() {
		return nil, fmt.Errorf("ffmpeg: %v frame has %d planes, want %d", v.Format, len(planes), v.Format.Planes())
	}
	r := C.sm_video_frame(C.int(v.Width), C.int(v.Height), C.int(pf))
	if r.f == nil {
		return nil, fmt.Errorf("ffmpeg: frame of %v %dx%d: %w", v.Format, v.Width, v.Height, avErr(r.err))
	}
	f := r.f
	tight, _ := v.Format.Layout(v.Width, v.Height)
	copied := 0
	for i := range v.Format.Planes() {
		src, ss := planes[i], v.Strides[i]
		if ss == 0 {
			ss = tight[i]
		}
		ds := int(f.linesize[i])
		rows := v.Format.PlaneRows(i, v.Height)
		dst := unsafe.Slice((*byte)(unsafe.Pointer(f.data[i])), ds*rows)
		n := min(tight[i], ss, ds)
		if (rows-1)*ss+n > len(src) {
			C.sm_frame_free(f)
			return nil, fmt.Errorf("ffmpeg: %v plane %d has %d bytes, want %d rows of stride %d", v.Format, i, len(src), rows, ss)
		}
		for r := range rows {
			copy(dst[r*ds:r*ds+n], src[r*ss:r*ss+n])
		}
		copied += n * rows
	}
	frame.CountCopy(copied)
	return f, nil
}

// audioFrameOf is videoFrameOf for raw audio.
func audioFrameOf(ctx context.Context, a frame.Audio) (*C.AVFrame, error) {
	if fd, ok := a.Data.(*FrameData); ok && fd.frm != nil {
		return refFrame(fd.frm)
	}
	sf, ok := sampleOfFormat(a.Format)
	if !ok {
		return nil, fmt.Errorf("ffmpeg: no FFmpeg sample format for %v", a.Format)
	}
	if a.Channels <= 0 || a.Rate <= 0 || a.Samples <= 0 {
		return nil, fmt.Errorf("ffmpeg: audio frame %v", a)
	}
	planes, err := a.Planes(ctx)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: frame bytes: %w", err)
	}
	want, per := 1, a.Samples*a.Format.SampleSize()*a.Channels
	if a.Format.IsPlanarAudio() {
		want, per = a.Channels, a.Samples*a.Format.SampleSize()
	}
	if len(planes) != want {
		return nil, fmt.Errorf("ffmpeg: %v audio with %d channels has %d planes, want %d", a.Format, a.Channels, len(planes), want)
	}
	r := C.sm_audio_frame(C.int(sf), C.int(a.Rate), C.int(a.Channels), C.int(a.Samples))
	if r.f == nil {
		return nil, fmt.Errorf("ffmpeg: audio frame %v: %w", a, avErr(r.err))
	}
	f := r.f
	ptrs := unsafe.Slice(f.extended_data, want)
	for i, p := range planes {
		if len(p) < per {
			C.sm_frame_free(f)
			return nil, fmt.Errorf("ffmpeg: %v plane %d has %d bytes, want %d", a.Format, i, len(p), per)
		}
		copy(unsafe.Slice((*byte)(unsafe.Pointer(ptrs[i])), per), p[:per])
	}
	frame.CountCopy(per * want)
	return f, nil
}

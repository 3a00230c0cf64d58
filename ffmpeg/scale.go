// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Scaler is a transform that converts raw video to a size and pixel format
// with swscale (bicubic). A zero Width and Height keep the input's size, a
// zero Format keeps its format; frames already as asked pass through
// untouched. Frames from ffmpeg stages are read in place; CPU frames of
// other backends are copied once into an AVFrame first (counted by
// frame.CopiedBytes). Output frames carry a new AVFrame (FrameData).
type Scaler struct {
	Width, Height int
	Format        frame.Format
}

// Name returns "ffmpeg-scale".
func (*Scaler) Name() string { return "ffmpeg-scale" }

// Run scales until the end of input.
func (s *Scaler) Run(ctx context.Context, in stage.In[frame.Video], out stage.Out[frame.Video]) error {
	var sws swsCache
	defer sws.free()
	for {
		v, ok := recv(ctx, in)
		if !ok {
			return ctx.Err()
		}
		w, h, format := s.Width, s.Height, s.Format
		if w <= 0 || h <= 0 {
			w, h = v.Width, v.Height
		}
		if format == frame.FormatUnknown {
			format = v.Format
		}
		if w == v.Width && h == v.Height && format == v.Format {
			if !out.Send(v) {
				return ctx.Err()
			}
			continue
		}
		pf, ok := pixOfFormat(format)
		if !ok || v.Format.IsEncoded() {
			v.Release()
			return fmt.Errorf("ffmpeg: scale: cannot convert %v to %v", v.Format, format)
		}
		src, err := videoFrameOf(ctx, v)
		if err != nil {
			v.Release()
			return fmt.Errorf("ffmpeg: scale: %w", err)
		}
		dst, err := sws.scale(src, C.int(w), C.int(h), C.int(pf))
		if err != nil {
			v.Release()
			return fmt.Errorf("ffmpeg: scale %v %dx%d to %v %dx%d: %w", v.Format, v.Width, v.Height, format, w, h, err)
		}
		fd, err := videoData(dst)
		if err != nil {
			C.sm_frame_free(dst)
			v.Release()
			return err
		}
		o := v
		o.Data, o.Format, o.Width, o.Height, o.Strides = fd, format, w, h, [4]int{}
		for i := range 4 {
			o.Strides[i] = int(dst.linesize[i])
		}
		v.Release()
		if !out.Send(o) {
			return ctx.Err()
		}
	}
}

// swsCache is a swscale context kept from frame to frame (sm_scale makes
// it again when the sizes or formats change). Its context is a field that
// C writes through its address: cgo checks only that field for Go pointers,
// so it may sit in a struct holding some.
type swsCache struct{ ctx *C.struct_SwsContext }

// scale takes over f and returns a new frame of it converted to w x h in
// pixel format pf. The error is FFmpeg's.
func (s *swsCache) scale(f *C.AVFrame, w, h, pf C.int) (*C.AVFrame, error) {
	g := C.av_frame_alloc()
	ret := C.sm_scale(&s.ctx, f, g, w, h, pf)
	C.sm_frame_free(f)
	if ret < 0 {
		C.sm_frame_free(g)
		return nil, avErr(ret)
	}
	return g, nil
}

// free frees the context, if any; a second call does nothing.
func (s *swsCache) free() {
	if s.ctx != nil {
		C.sws_freeContext(s.ctx)
		s.ctx = nil
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// isVideo reports whether T is frame.Video (else frame.Audio).
func isVideo[T frame.Frame]() bool {
	var zero T
	_, ok := any(zero).(frame.Video)
	return ok
}

func clockTime(t C.GstClockTime) time.Duration {
	if t == clockTimeNone {
		return 0
	}
	return time.Duration(t)
}

// puller reads frames from an appsink in the calling goroutine.
type puller[T frame.Frame] struct {
	p  *pipeline
	el *C.GstElement
	ci *capsInfo
	mk func(d *FrameData, ci *capsInfo, bi *C.streamer_buffer_info, ts *C.streamer_times) T
	// What each pull fills in. Locals passed to C escape to the heap (four
	// allocations a frame); fields of the puller are allocated once.
	buf  *C.GstBuffer
	caps *C.GstCaps
	ts   C.streamer_times
	bi   C.streamer_buffer_info
	sent int // frames sendAll has sent
}

// newPuller finds the appsink called name in p, restricts its caps to what
// streamer has formats for, and watches it for errors.
func newPuller[T frame.Frame](p *pipeline, name string, maxBuffers int) (*puller[T], error) {
	el, err := p.appElement(name, "GstAppSink", "an appsink")
	if err != nil {
		return nil, err
	}
	video := isVideo[T]()
	cc := C.CString(acceptCaps(video))
	C.streamer_set_caps(el, cc)
	C.free(unsafe.Pointer(cc))
	C.streamer_setup_appsink(el, C.int(maxBuffers))
	p.watchSink(el)
	pl := &puller[T]{p: p, el: el}
	if video {
		pl.mk = any(mkVideo).(func(*FrameData, *capsInfo, *C.streamer_buffer_info, *C.streamer_times) T)
	} else {
		pl.mk = any(mkAudio).(func(*FrameData, *capsInfo, *C.streamer_buffer_info, *C.streamer_times) T)
	}
	return pl, nil
}

// appElement returns the element called name in p, with a reference, when
// it is of GType typeName (what names it in errors).
func (p *pipeline) appElement(name, typeName, what string) (*C.GstElement, error) {
	el := p.element(name)
	if el == nil {
		return nil, fmt.Errorf("gst: no element named %q in %q", name, p.desc)
	}
	cn := C.CString(typeName)
	defer C.free(unsafe.Pointer(cn))
	t := C.g_type_from_name(cn)
	if t == 0 || C.g_type_check_instance_is_a((*C.GTypeInstance)(unsafe.Pointer(el)), t) == 0 {
		C.gst_object_unref(C.gpointer(el))
		return nil, fmt.Errorf("gst: element %q in %q is not %s", name, p.desc, what)
	}
	return el, nil
}

// timestamps returns a sample's PTS and DTS in stream time; a missing DTS
// is the PTS.
func timestamps(ts *C.streamer_times) (pts, dts time.Duration) {
	if ts.pts_valid != 0 {
		pts = time.Duration(ts.pts)
	}
	dts = pts
	if ts.dts_valid != 0 {
		dts = time.Duration(ts.dts)
	}
	return pts, dts
}

func mkVideo(d *FrameData, ci *capsInfo, bi *C.streamer_buffer_info, ts *C.streamer_times) frame.Video {
	v := frame.Video{
		Data: d, Format: ci.format, Width: ci.width, Height: ci.height, Strides: ci.strides,
		Codec: ci.codec, Duration: clockTime(bi.duration), Keyframe: bi.delta == 0,
	}
	v.PTS, v.DTS = timestamps(ts)
	if bi.video_meta_planes > 0 {
		for i := range 4 {
			v.Strides[i] = int(bi.stride[i])
		}
	}
	return v
}

func mkAudio(d *FrameData, ci *capsInfo, bi *C.streamer_buffer_info, ts *C.streamer_times) frame.Audio {
	a := frame.Audio{
		Data: d, Format: ci.format, Rate: ci.rate, Channels: ci.channels, Codec: ci.codec,
		Duration: clockTime(bi.duration), Keyframe: bi.delta == 0,
	}
	a.PTS, a.DTS = timestamps(ts)
	switch {
	case ci.bytesPerFrame > 0:
		a.Samples = int(bi.size) / ci.bytesPerFrame
	case ci.rate > 0:
		a.Samples = int(int64(a.Duration) * int64(ci.rate) / int64(time.Second))
	}
	d.samples = a.Samples
	return a
}

// pull returns the next frame, or false at the end of stream, on cancel, or
// after an error (which it returns: frames queued before it came first).
func (pl *puller[T]) pull(ctx context.Context) (T, bool, error) {
	var zero T
	for {
		switch C.streamer_pull((*C.GstAppSink)(unsafe.Pointer(pl.el)), &pl.buf, &pl.caps, &pl.ts) {
		case C.STREAMER_PULL_END:
			if ctx.Err() != nil {
				return zero, false, ctx.Err()
			}
			// An element that fails posts its error on the bus and then
			// sends EOS downstream: let the bus reader catch up before
			// calling this the end of stream.
			pl.p.settle(100 * time.Millisecond)
			if err := pl.p.Err(); err != nil {
				return zero, false, err
			}
			return zero, false, ctx.Err()
		case C.STREAMER_PULL_NONE:
			continue // a sample without a buffer (caps only)
		}
		buf, caps := pl.buf, pl.caps
		if pl.ci == nil || caps != pl.ci.caps {
			ci, err := parseCaps(caps)
			if err != nil {
				C.gst_caps_unref(caps)
				C.gst_buffer_unref(buf)
				return zero, false, err
			}
			pl.ci.free()
			pl.ci = ci
		}
		if caps != nil {
			C.gst_caps_unref(caps)
		}
		C.streamer_buffer_read(buf, &pl.bi)
		return pl.mk(newFrameData(buf, pl.ci, &pl.bi), pl.ci, &pl.bi, &pl.ts), true, nil
	}
}

// sendAll pulls frames and sends them on out until the end of stream, an
// error, or a Send the reader refuses (then it returns ctx.Err()).
func (pl *puller[T]) sendAll(ctx context.Context, out stage.Out[T]) error {
	for {
		v, ok, err := pl.pull(ctx)
		if !ok {
			return err
		}
		if !out.Send(v) {
			return errReaderGone
		}
		pl.sent++
	}
}

// errReaderGone is sendAll's report that the reader stopped; callers turn
// it into ctx.Err() (nil when the reader simply finished).
var errReaderGone = errors.New("gst: reader stopped")

// close drops the puller's caps; the appsink itself belongs to the pipeline.
func (pl *puller[T]) close() { pl.ci.free() }

// facts are the fields of a frame an appsrc needs.
type facts struct {
	data          frame.Data
	format        frame.Format
	width, height int
	strides       [4]int
	rate          int
	channels      int
	samples       int
	pts, dts, dur time.Duration
	keyframe      bool
	codec         *frame.Codec
	memory        frame.Location // VASurface or DMABuf for GPU frames of gst stages
}

func videoFacts(v frame.Video) facts {
	f := facts{data: v.Data, format: v.Format, width: v.Width, height: v.Height, strides: v.Strides,
		pts: v.PTS, dts: v.DTS, dur: v.Duration, keyframe: v.Keyframe, codec: v.Codec}
	if fd, ok := v.Data.(*FrameData); ok {
		f.memory = fd.Location()
	}
	return f
}

func audioFacts(a frame.Audio) facts {
	return facts{data: a.Data, format: a.Format, rate: a.Rate, channels: a.Channels, samples: a.Samples,
		pts: a.PTS, dts: a.DTS, dur: a.Duration, keyframe: a.Keyframe, codec: a.Codec}
}

// capsKey is what, when it changes, needs new caps on the appsrc.
type capsKey struct {
	format         frame.Format
	width, height  int
	rate, channels int
	codec          *frame.Codec
	memory         frame.Location
}

// pusher feeds frames to an appsrc from the calling goroutine.
type pusher[T frame.Frame] struct {
	p      *pipeline
	el     *C.GstElement
	key    capsKey
	caps   string
	raw    *layout
	facts  func(T) facts
	pushed int
	// segment: the appsrc's segment (starting at streamOffset) was sent.
	segment bool
	// shift is added to running time (set before the first push): see
	// MuxSink's muxers that cannot store a DTS before zero.
	shift time.Duration
}

// streamOffset is added to every timestamp pushed into an appsrc, whose
// segment starts there, as GStreamer's own encoders do (x264enc's minimum
// PTS is 1000 hours): running and stream time are the frame's own, while a
// DTS before zero (B-frame reordering, encoder priming) stays a valid,
// increasing GstClockTime that muxers order and write as negative.
const streamOffset = 1000 * time.Hour

func newPusher[T frame.Frame](p *pipeline, name string, maxBuffers int) (*pusher[T], error) {
	el, err := p.appElement(name, "GstAppSrc", "an appsrc")
	if err != nil {
		return nil, err
	}
	C.streamer_setup_appsrc(el, C.int(maxBuffers))
	p.watchSrc(el)
	ps := &pusher[T]{p: p, el: el}
	if isVideo[T]() {
		ps.facts = any(videoFacts).(func(T) facts)
	} else {
		ps.facts = any(audioFacts).(func(T) facts)
	}
	return ps, nil
}

// setCaps sets the appsrc's caps for frames like f when they changed, and
// reports whether they changed.
func (ps *pusher[T]) setCaps(f facts) (bool, error) {
	key := capsKey{format: f.format, width: f.width, height: f.height, rate: f.rate, channels: f.channels, codec: f.codec, memory: f.memory}
	if ps.caps != "" && key == ps.key {
		return false, nil
	}
	caps, err := capsFor(f)
	if err != nil {
		return false, err
	}
	cc := C.CString(caps)
	defer C.free(unsafe.Pointer(cc))
	if C.streamer_set_caps(ps.el, cc) == 0 {
		return false, fmt.Errorf("gst: invalid caps %q", caps)
	}
	ps.key, ps.caps, ps.raw = key, caps, nil
	if name, ok := rawVideo[f.format]; ok {
		c := C.gst_caps_from_string(cc)
		ci, err := parseCaps(c)
		C.gst_caps_unref(c)
		if err != nil {
			return false, err
		}
		ci.free()
		ps.raw = &layout{format: name, width: f.width, height: f.height, nplanes: ci.nplanes,
			offsets: ci.offsets, strides: ci.strides, size: ci.size}
	}
	return true, nil
}

// push sends v's reference into the pipeline, zero-copy for gst frames and
// for CPU frames in one block of memory.
func (ps *pusher[T]) push(ctx context.Context, v T) error {
	f := ps.facts(v)
	if _, err := ps.setCaps(f); err != nil {
		v.Release()
		return err
	}
	strides := f.strides
	if ps.raw != nil && strides == ([4]int{}) {
		strides = ps.raw.strides
	}
	rows := func(i int) int { return f.format.PlaneRows(i, f.height) }
	var buf *C.GstBuffer
	var err error
	if _, native := f.data.(*FrameData); f.format.IsPlanarAudio() && !native {
		buf, err = planarAudioBuffer(ctx, f)
	} else {
		buf, err = toBuffer(ctx, f.data, ps.raw, strides, rows)
	}
	if err != nil {
		return err
	}
	// Raw frames carry no DTS (theirs is their PTS); an encoded frame's DTS
	// may be before zero, which streamOffset keeps in range.
	dts := clockTimeNone
	if f.format.IsEncoded() || f.dts != f.pts {
		dts = C.GstClockTime(max(f.dts+streamOffset, 0))
	}
	pts := C.GstClockTime(max(f.pts+streamOffset, 0))
	dur := C.GstClockTime(f.dur)
	if f.dur <= 0 {
		dur = clockTimeNone
	}
	buf = C.streamer_stamp(buf, pts, dts, dur, C.gboolean(boolInt(!f.keyframe)))
	src := (*C.GstAppSrc)(unsafe.Pointer(ps.el))
	var ret C.GstFlowReturn
	if ps.segment {
		ret = C.gst_app_src_push_buffer(src, buf)
	} else {
		ret = C.streamer_push_segment(src, buf, C.GstClockTime(streamOffset-ps.shift))
		ps.segment = true
	}
	if ret != C.GST_FLOW_OK {
		if err := ps.p.Err(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("gst: pushing into %q: flow %s", ps.p.desc, C.GoString(C.gst_flow_get_name(ret)))
	}
	ps.pushed++
	return nil
}

// endOfStream tells the appsrc no more frames come. A push blocked on a
// full appsrc returns at once.
func (ps *pusher[T]) endOfStream() {
	C.gst_app_src_end_of_stream((*C.GstAppSrc)(unsafe.Pointer(ps.el)))
}

// endOnCancel unblocks a push stuck behind a stalled pipeline once ctx is
// done: if the stage has not ended its stream itself within cancelGrace
// (which it does, in order, after the frames it already took), the
// appsrc's stream is ended for it. Ending it at once would refuse frames
// the stage had already taken, and lose them from the file. Call the
// returned function before the stage returns.
func (ps *pusher[T]) endOnCancel(ctx context.Context) func() {
	finished, done := make(chan struct{}), make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		t := time.NewTimer(cancelGrace)
		defer t.Stop()
		select {
		case <-finished:
		case <-t.C:
			ps.endOfStream()
		}
	})
	return func() {
		close(finished)
		if !stop() {
			<-done
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

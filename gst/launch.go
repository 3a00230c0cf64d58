// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"time"
	"unsafe"

	gogst "github.com/go-gst/go-gst/gst"
)

// Pipeline is a whole GStreamer pipeline from a launch description, with its
// lifecycle in your hands — gst-launch-1.0 as a library. Bus errors,
// warnings, state changes and EOS reach OnEvent; Wait returns at EOS or the
// first error. Named appsink and appsrc elements become stages with AppSink
// and AppSrc, so a pipeline can feed and be fed by a stream graph.
//
// Stop (or Wait's end, followed by Stop) sets it to NULL and frees it; a
// Pipeline must be stopped once, or GStreamer's objects leak.
type Pipeline struct {
	p *pipeline
}

// Launch parses description into a pipeline, not yet playing. onEvent, when
// not nil, receives every bus message, from a goroutine of the pipeline's.
func Launch(description string, onEvent func(Event)) (*Pipeline, error) {
	p, err := newPipeline(description, onEvent)
	if err != nil {
		return nil, err
	}
	return &Pipeline{p: p}, nil
}

// Start sets the pipeline playing. It returns GStreamer's reason when an
// element refuses (a missing file, a busy device).
func (pl *Pipeline) Start() error { return pl.p.setState(StatePlaying) }

// Pause sets the pipeline paused (prerolled).
func (pl *Pipeline) Pause() error { return pl.p.setState(StatePaused) }

// State returns the current state, waiting at most timeout for a change in
// progress to finish.
func (pl *Pipeline) State(timeout time.Duration) State {
	return State(C.streamer_get_state(pl.p.el, C.GstClockTime(timeout)))
}

// SendEOS asks every source to finish: the pipeline drains and then posts
// EOS, so muxers write their trailers.
func (pl *Pipeline) SendEOS() { C.gst_element_send_event(pl.p.el, C.gst_event_new_eos()) }

// Wait returns nil at the end of stream, the first bus error, or ctx.Err().
func (pl *Pipeline) Wait(ctx context.Context) error {
	select {
	case <-pl.p.eos:
		return pl.p.Err()
	case <-pl.p.failed:
		return pl.p.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Position returns the playback position, when the pipeline knows it.
func (pl *Pipeline) Position() (time.Duration, bool) {
	var v C.gint64
	ok := C.streamer_query_position(pl.p.el, &v) != 0
	return time.Duration(v), ok
}

// Duration returns the stream's duration, when the pipeline knows it.
func (pl *Pipeline) Duration() (time.Duration, bool) {
	var v C.gint64
	ok := C.streamer_query_duration(pl.p.el, &v) != 0
	return time.Duration(v), ok
}

// Err returns the first error the bus reported, or nil.
func (pl *Pipeline) Err() error { return pl.p.Err() }

// Stop sets the pipeline to NULL and frees it. It is safe to call twice.
// Stages made with AppSink and AppSrc must have returned first.
func (pl *Pipeline) Stop() { pl.p.stop() }

// Gst returns the pipeline as a go-gst object, with a reference of its own,
// for what this package does not wrap (seeking, properties, clocks). Do not
// use it after Stop.
func (pl *Pipeline) Gst() *gogst.Pipeline {
	return gogst.FromGstPipelineUnsafeNone(unsafe.Pointer(pl.p.el))
}

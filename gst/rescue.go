// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

// Errors that decodebin drops, raised again: see rescue.h.

/*
#include "shim.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"time"
)

// defaultChildErrorGrace is how long an error seen inside a bin may take
// to reach the bus before childError posts it there itself (a pipeline's
// grace, which tests shorten).
const defaultChildErrorGrace = time.Second

// pipelines maps the id tagged on each live pipeline (uint64) to it
// (*pipeline), for the tracer hook behind childError: GStreamer's tracing
// hooks cannot be scoped to one pipeline.
var pipelines sync.Map //nolint:gochecknoglobals // a registry: the tracer hook is process-wide

// lastPipelineID is the id tagged on the last pipeline made.
var lastPipelineID atomic.Uint64 //nolint:gochecknoglobals // ids must be unique in the process, as the hook is

//export streamerChildError
func streamerChildError(id C.guint64, m *C.GstMessage) {
	v, ok := pipelines.Load(uint64(id))
	if !ok {
		C.gst_message_unref(m)
		return
	}
	v.(*pipeline).childError(m)
}

// childError runs on the streaming thread of an element inside a decodebin
// that posted error m (a reference it owns). decodebin may drop that error
// (see streamer_watch_errors); so unless the bus reports an error within
// p.grace, m itself was posted on the bus, or decodebin is trying
// another element instead (streamer_rescue_wanted), m is posted on the
// pipeline's bus, where readBus handles it as any error.
func (p *pipeline) childError(m *C.GstMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		C.gst_message_unref(m)
		return
	}
	p.pending = append(p.pending, childErr{m, time.Now()})
	if !p.rescuing {
		p.rescuing = true
		p.rescues.Add(1)
		go p.rescue()
	}
}

// childErr is an error message seen inside a bin, and when.
type childErr struct {
	m  *C.GstMessage
	at time.Time
}

// rescue posts the pending child errors the bus did not report, in the
// order they were raised, and ends when none is left.
func (p *pipeline) rescue() {
	defer p.rescues.Done()
	for {
		p.mu.Lock()
		if len(p.pending) == 0 {
			p.rescuing = false
			p.mu.Unlock()
			return
		}
		e := p.pending[0]
		p.pending = p.pending[1:]
		p.mu.Unlock()
		t := time.NewTimer(time.Until(e.at.Add(p.grace)))
		select {
		case <-p.failed:
		case <-p.stopping:
		case <-t.C:
			if C.streamer_rescue_wanted(p.busState, e.m) != 0 {
				C.gst_bus_post(p.bus, e.m) // takes the reference
				e.m = nil
			}
		}
		t.Stop()
		if e.m != nil {
			C.gst_message_unref(e.m)
		}
	}
}

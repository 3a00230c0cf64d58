// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

// Test hooks: they stage what GStreamer does only on conditions a test
// cannot bring about on demand (hooks.c holds their C side).

/*
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import "unsafe"

// raiseDroppedError makes element name (inside a bin) raise an error that
// its bin drops, as decodebin may; with unparent, the bin then removes the
// element. Tests use it: the real race cannot be staged on demand.
func (p *pipeline) raiseDroppedError(name, text string, unparent bool) {
	p.childError(p.errorFrom(name, text, unparent))
}

// raiseSeenError is raiseDroppedError for an error that its bin passed on:
// it is posted on the bus too.
func (p *pipeline) raiseSeenError(name, text string) {
	m := p.errorFrom(name, text, false)
	C.gst_bus_post(p.bus, C.gst_message_ref(m))
	p.childError(m)
}

// errorFrom returns an error message from element name (see
// streamer_dropped_error).
func (p *pipeline) errorFrom(name, text string, unparent bool) *C.GstMessage {
	el := p.element(name)
	if el == nil {
		panic("gst: no element " + name)
	}
	defer C.gst_object_unref(C.gpointer(el))
	ct := C.CString(text)
	defer C.free(unsafe.Pointer(ct))
	un := C.gboolean(0)
	if unparent {
		un = 1
	}
	return C.streamer_dropped_error(el, ct, un)
}

// Every pipeline's bus shares GPU contexts with the other pipelines (see
// gpucontext.c): the VA display and the CUDA context, so frames that stay
// on the GPU can cross from one stage's pipeline to the next. The hooks
// below stage the messages a GPU element would post, so the sharing is
// tested without a GPU.

// offerContext makes element name post HAVE_CONTEXT: a context of ctxType
// for CUDA device id.
func (p *pipeline) offerContext(name, ctxType string, id uint) {
	el := p.element(name)
	defer C.gst_object_unref(C.gpointer(el))
	ct := C.CString(ctxType)
	defer C.free(unsafe.Pointer(ct))
	C.streamer_post_have_context(el, ct, C.guint(id))
}

// askContext makes element name post NEED_CONTEXT for ctxType and returns
// the CUDA device id of the context it was given, or -1.
func (p *pipeline) askContext(name, ctxType string) int {
	el := p.element(name)
	defer C.gst_object_unref(C.gpointer(el))
	ct := C.CString(ctxType)
	defer C.free(unsafe.Pointer(ct))
	return int(C.streamer_post_need_context(el, ct))
}

// launchLoop is checkLaunch's loop check alone, for its tests.
func launchLoop(desc string) (string, bool) {
	s := scanLaunch(desc)
	return s.loop()
}

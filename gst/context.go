// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import "unsafe"

// Every pipeline's bus shares GPU contexts with the other pipelines (see
// streamer_bus_setup in shim.c): the VA display and the CUDA
// context, so frames that stay on the GPU can cross from one stage's
// pipeline to the next. The functions below stage the messages a GPU
// element would post, for the tests: there is no GPU here.

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

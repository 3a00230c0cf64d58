// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// GPU contexts shared between pipelines (gpucontext.c).

#ifndef STREAMER_GST_GPUCONTEXT_H
#define STREAMER_GST_GPUCONTEXT_H

#include <gst/gst.h>

// Give an element asking for a shared context type (NEED_CONTEXT) the ones
// kept, and keep those an element offers (HAVE_CONTEXT); other messages
// are left alone. Called from every pipeline bus's sync handler.
void streamer_share_contexts(GstMessage *m);

#endif

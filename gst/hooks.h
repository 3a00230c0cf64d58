// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Test hooks (hooks.c): they stage what GStreamer does only on conditions a
// test cannot bring about on demand.

#ifndef STREAMER_GST_HOOKS_H
#define STREAMER_GST_HOOKS_H

#include <gst/gst.h>

// An error message from el, as GST_ELEMENT_ERROR would post; when unparent,
// el is then taken out of its bin, as decodebin does with an element it
// gave up on. For the tests of the rescue of dropped errors.
GstMessage *streamer_dropped_error(GstElement *el, const char *text, gboolean unparent);

// For the tests of context sharing, which need no GPU: el posts HAVE_CONTEXT
// with a context of type for CUDA device id.
void streamer_post_have_context(GstElement *el, const char *type, guint id);
// el posts NEED_CONTEXT for type; returns the CUDA device id of the context
// el then holds, or -1.
int streamer_post_need_context(GstElement *el, const char *type);

#endif

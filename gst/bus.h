// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// A pipeline's bus and state (bus.c): the messages its reader pops, the
// sync handler every bus gets, state changes and queries.

#ifndef STREAMER_GST_BUS_H
#define STREAMER_GST_BUS_H

#include <gst/gst.h>
#include "rescue.h"

// What a popped bus message is; NONE for a timeout and for messages the
// reader skips.
typedef enum {
	STREAMER_MSG_NONE = 0,
	STREAMER_MSG_ERROR,
	STREAMER_MSG_WARNING,
	STREAMER_MSG_EOS,
	STREAMER_MSG_STATE_CHANGED, // of the pipeline itself
	STREAMER_MSG_WAKE,          // posted by streamer_bus_wake
	STREAMER_MSG_INFO,
} streamer_msg_type;

// A bus message, flattened for Go. Strings are the caller's to g_free.
typedef struct {
	int type;        // a streamer_msg_type
	char *src;       // name of the element that posted it
	char *text;      // error / warning message
	char *debug;     // debug details
	int domain_core_missing_plugin; // error is a missing element or plugin
	int old_state, new_state;
} streamer_msg;

void streamer_bus_pop(GstBus *bus, GstElement *pipeline, GstClockTime timeout, streamer_msg *out);
// Post the message that ends a bus reader.
void streamer_bus_wake(GstBus *bus);

// Install the sync handler of a pipeline's bus: it notes the errors posted
// (for streamer_rescue_wanted) and shares GPU contexts between pipelines
// (gpucontext.h). The state lives as long as the bus.
streamer_bus_state *streamer_bus_setup(GstBus *bus);

int streamer_set_state(GstElement *el, int state);
int streamer_get_state(GstElement *el, GstClockTime timeout);
gboolean streamer_query_position(GstElement *el, gint64 *pos);
gboolean streamer_query_duration(GstElement *el, gint64 *dur);

// Inject EOS into an element's sink pad, as if it came from upstream: an
// appsink then ends after the samples it holds.
void streamer_sink_eos(GstElement *el);

#endif

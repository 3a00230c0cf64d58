// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Errors that a bin swallows (rescue.c). decodebin filters the errors of an
// element it is still bringing to PAUSED (so it can try another one), and
// keeps filtering them if that state change then succeeds: a demuxer whose
// streaming thread fails at once (a file cut inside its header) is lost,
// and the pipeline waits in preroll for ever; gst-launch-1.0 hangs too.

#ifndef STREAMER_GST_RESCUE_H
#define STREAMER_GST_RESCUE_H

#include <gst/gst.h>

// Install, once per process, a tracer hook that sees every error message an
// element inside a decodebin of a pipeline tagged with streamer_tag_pipeline
// posts, before decodebin can drop it, and hands it to Go's
// streamerChildError (with a message reference Go drops).
void streamer_watch_errors(void);
void streamer_tag_pipeline(GstElement *pipeline, guint64 id);

// The errors posted on one pipeline's bus, noted by its sync handler
// (streamer_bus_setup).
typedef struct streamer_bus_state streamer_bus_state;
streamer_bus_state *streamer_bus_state_new(void);
void streamer_bus_state_free(gpointer st);
// Note m when it is an error.
void streamer_bus_state_note(streamer_bus_state *st, GstMessage *m);

// Whether error m, seen inside a decodebin, needs posting on the bus: it
// was not posted there, its source is still in its bin (not given up by
// decodebin) and reached PAUSED (decodebin handles those that did not).
gboolean streamer_rescue_wanted(streamer_bus_state *st, GstMessage *m);

#endif

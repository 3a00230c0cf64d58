// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include "rescue.h"

// The tracer behind streamer_watch_errors. Tracing hooks are process-wide
// in GStreamer, hence one instance for the process.
typedef struct { GstTracer parent; } StreamerErrorTracer;
typedef struct { GstTracerClass parent_class; } StreamerErrorTracerClass;
G_DEFINE_TYPE(StreamerErrorTracer, streamer_error_tracer, GST_TYPE_TRACER)

// The qdata key of a pipeline's id: set once, by streamer_watch_errors
// under Go's Init, before any pipeline is tagged.
static GQuark streamer_id_quark;

extern void streamerChildError(guint64 id, GstMessage *m);

static void on_post_message(GObject *self, GstClockTime ts, GstElement *el, GstMessage *m) {
	if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR)
		return;
	GstObject *top = gst_object_get_parent(GST_OBJECT(el));
	if (top == NULL)
		return;
	// Only decodebin's filter loses errors this way. Other bins drop
	// errors on purpose (rtspsrc, those of its unlinked udpsrcs): leave
	// them be.
	if (g_strcmp0(G_OBJECT_TYPE_NAME(top), "GstDecodeBin") != 0) {
		gst_object_unref(top);
		return;
	}
	GstObject *up;
	while ((up = gst_object_get_parent(top)) != NULL) {
		gst_object_unref(top);
		top = up;
	}
	guint64 id = (guint64)(guintptr)g_object_get_qdata(G_OBJECT(top), streamer_id_quark);
	gst_object_unref(top);
	if (id != 0)
		streamerChildError(id, gst_message_ref(m));
}

static void streamer_error_tracer_class_init(StreamerErrorTracerClass *klass) {}

static void streamer_error_tracer_init(StreamerErrorTracer *self) {
	gst_tracing_register_hook(GST_TRACER(self), "element-post-message-pre", G_CALLBACK(on_post_message));
}

void streamer_watch_errors(void) {
	streamer_id_quark = g_quark_from_static_string("streamer-pipeline-id");
	// The hook list keeps a reference: the tracer lives as long as the process.
	GstTracer *t = g_object_new(streamer_error_tracer_get_type(), NULL);
	gst_object_ref_sink(t);
	gst_object_unref(t);
}

void streamer_tag_pipeline(GstElement *pipeline, guint64 id) {
	g_object_set_qdata(G_OBJECT(pipeline), streamer_id_quark, (gpointer)(guintptr)id);
}

// The per-pipeline state of its bus's sync handler: the seqnums of the
// error messages posted on the bus, so a rescue never posts one twice.
struct streamer_bus_state {
	GMutex lock;
	GHashTable *errors;
};

streamer_bus_state *streamer_bus_state_new(void) {
	streamer_bus_state *st = g_new0(streamer_bus_state, 1);
	g_mutex_init(&st->lock);
	st->errors = g_hash_table_new(NULL, NULL);
	return st;
}

void streamer_bus_state_free(gpointer data) {
	streamer_bus_state *st = data;
	g_hash_table_destroy(st->errors);
	g_mutex_clear(&st->lock);
	g_free(st);
}

void streamer_bus_state_note(streamer_bus_state *st, GstMessage *m) {
	if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR)
		return;
	g_mutex_lock(&st->lock);
	g_hash_table_add(st->errors, GUINT_TO_POINTER(gst_message_get_seqnum(m)));
	g_mutex_unlock(&st->lock);
}

gboolean streamer_rescue_wanted(streamer_bus_state *st, GstMessage *m) {
	g_mutex_lock(&st->lock);
	gboolean seen = g_hash_table_contains(st->errors, GUINT_TO_POINTER(gst_message_get_seqnum(m)));
	g_mutex_unlock(&st->lock);
	if (seen || GST_MESSAGE_SRC(m) == NULL || !GST_IS_ELEMENT(GST_MESSAGE_SRC(m)))
		return FALSE;
	GstObject *p = gst_object_get_parent(GST_MESSAGE_SRC(m));
	if (p == NULL)
		return FALSE; // decodebin took it out to try another
	gst_object_unref(p);
	// decodebin loses the errors of an element whose state change to
	// PAUSED succeeds; one whose change failed, it handles (and removes).
	GstState state;
	GST_OBJECT_LOCK(GST_MESSAGE_SRC(m));
	state = GST_STATE(GST_MESSAGE_SRC(m));
	GST_OBJECT_UNLOCK(GST_MESSAGE_SRC(m));
	return state >= GST_STATE_PAUSED;
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include "bus.h"
#include "gpucontext.h"
#include <string.h>

// msg_type says what m is to the bus reader of pipeline.
static int msg_type(GstMessage *m, GstElement *pipeline) {
	switch (GST_MESSAGE_TYPE(m)) {
	case GST_MESSAGE_ERROR: return STREAMER_MSG_ERROR;
	case GST_MESSAGE_WARNING: return STREAMER_MSG_WARNING;
	case GST_MESSAGE_INFO: return STREAMER_MSG_INFO;
	case GST_MESSAGE_EOS: return STREAMER_MSG_EOS;
	case GST_MESSAGE_STATE_CHANGED:
		return GST_MESSAGE_SRC(m) == GST_OBJECT(pipeline) ? STREAMER_MSG_STATE_CHANGED : STREAMER_MSG_NONE;
	case GST_MESSAGE_APPLICATION:
		return gst_message_has_name(m, "streamer-wake") ? STREAMER_MSG_WAKE : STREAMER_MSG_NONE;
	default: return STREAMER_MSG_NONE;
	}
}

// read_report reads the text and debug details of an error, warning or
// info message into out.
static void read_report(GstMessage *m, streamer_msg *out) {
	GError *gerr = NULL;
	if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
		gst_message_parse_error(m, &gerr, &out->debug);
	else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING)
		gst_message_parse_warning(m, &gerr, &out->debug);
	else
		gst_message_parse_info(m, &gerr, &out->debug);
	if (gerr == NULL)
		return;
	out->text = g_strdup(gerr->message);
	out->domain_core_missing_plugin = (gerr->domain == GST_CORE_ERROR && gerr->code == GST_CORE_ERROR_MISSING_PLUGIN);
	g_error_free(gerr);
}

void streamer_bus_pop(GstBus *bus, GstElement *pipeline, GstClockTime timeout, streamer_msg *out) {
	memset(out, 0, sizeof(*out));
	GstMessage *m = gst_bus_timed_pop_filtered(bus, timeout,
		GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_EOS | GST_MESSAGE_STATE_CHANGED | GST_MESSAGE_APPLICATION | GST_MESSAGE_INFO);
	if (m == NULL)
		return;
	if (GST_MESSAGE_SRC(m) != NULL)
		out->src = g_strdup(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)));
	out->type = msg_type(m, pipeline);
	switch (out->type) {
	case STREAMER_MSG_ERROR:
	case STREAMER_MSG_WARNING:
	case STREAMER_MSG_INFO:
		read_report(m, out);
		break;
	case STREAMER_MSG_STATE_CHANGED: {
		GstState o, n;
		gst_message_parse_state_changed(m, &o, &n, NULL);
		out->old_state = o;
		out->new_state = n;
		break;
	}
	default:
		break;
	}
	gst_message_unref(m);
}

void streamer_bus_wake(GstBus *bus) {
	// A pipeline in NULL sets its bus flushing, which drops posts.
	gst_bus_set_flushing(bus, FALSE);
	GstStructure *s = gst_structure_new_empty("streamer-wake");
	gst_bus_post(bus, gst_message_new_application(NULL, s));
}

static GstBusSyncReply bus_sync(GstBus *bus, GstMessage *m, gpointer data) {
	streamer_bus_state_note(data, m);
	streamer_share_contexts(m);
	return GST_BUS_PASS;
}

streamer_bus_state *streamer_bus_setup(GstBus *bus) {
	streamer_bus_state *st = streamer_bus_state_new();
	gst_bus_set_sync_handler(bus, bus_sync, st, streamer_bus_state_free);
	return st;
}

int streamer_set_state(GstElement *el, int state) { return gst_element_set_state(el, (GstState)state); }

int streamer_get_state(GstElement *el, GstClockTime timeout) {
	GstState cur, pending;
	gst_element_get_state(el, &cur, &pending, timeout);
	return cur;
}

gboolean streamer_query_position(GstElement *el, gint64 *pos) { return gst_element_query_position(el, GST_FORMAT_TIME, pos); }
gboolean streamer_query_duration(GstElement *el, gint64 *dur) { return gst_element_query_duration(el, GST_FORMAT_TIME, dur); }

void streamer_sink_eos(GstElement *el) {
	GstPad *pad = gst_element_get_static_pad(el, "sink");
	if (pad == NULL)
		return;
	gst_pad_send_event(pad, gst_event_new_eos());
	gst_object_unref(pad);
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include "hooks.h"

GstMessage *streamer_dropped_error(GstElement *el, const char *text, gboolean unparent) {
	GError *e = g_error_new_literal(GST_CORE_ERROR, GST_CORE_ERROR_FAILED, text);
	GstMessage *m = gst_message_new_error(GST_OBJECT(el), e, "dropped by its bin");
	g_error_free(e);
	if (unparent) {
		GstObject *bin = gst_object_get_parent(GST_OBJECT(el));
		if (bin != NULL) {
			gst_element_set_state(el, GST_STATE_NULL);
			gst_bin_remove(GST_BIN(bin), el);
			gst_object_unref(bin);
		}
	}
	return m;
}

void streamer_post_have_context(GstElement *el, const char *type, guint id) {
	GstContext *ctx = gst_context_new(type, TRUE);
	gst_structure_set(gst_context_writable_structure(ctx), "cuda-device-id", G_TYPE_UINT, id, NULL);
	gst_element_post_message(el, gst_message_new_have_context(GST_OBJECT(el), ctx));
}

int streamer_post_need_context(GstElement *el, const char *type) {
	gst_element_post_message(el, gst_message_new_need_context(GST_OBJECT(el), type));
	GstContext *ctx = gst_element_get_context(el, type);
	if (ctx == NULL)
		return -1;
	guint id = 0;
	int ret = gst_structure_get_uint(gst_context_get_structure(ctx), "cuda-device-id", &id) ? (int)id : -1;
	gst_context_unref(ctx);
	return ret;
}

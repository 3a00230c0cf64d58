// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include "gpucontext.h"

// Contexts shared between pipelines. Each stage runs its own pipeline, and a
// frame that stays on the GPU crosses from one to the next: a VA surface is
// valid only on the VADisplay that made it (a CUDA buffer, in its CUDA
// context), so every pipeline on a device must use one display. GStreamer
// shares contexts within a pipeline; this does it across pipelines: the
// first display an element creates is kept (HAVE_CONTEXT), and given to
// every element of any pipeline that asks for one (NEED_CONTEXT). The
// element ignores a context for another device and makes its own, which is
// kept in turn. Process-wide, as the devices are.
static const char *shared_context_types[] = {"gst.va.display.handle", "gst.cuda.context", NULL};
static GMutex shared_lock;
static GHashTable *shared_contexts; // "type|device" -> GstContext

static gboolean shared_type(const gchar *type) {
	for (const char **t = shared_context_types; *t != NULL; t++)
		if (g_strcmp0(type, *t) == 0)
			return TRUE;
	return FALSE;
}

// context_key names the device a context is for: the VA display's render
// node, or the CUDA device id.
static gchar *context_key(GstContext *ctx) {
	const GstStructure *s = gst_context_get_structure(ctx);
	gchar *device = NULL;
	const GValue *v = gst_structure_get_value(s, "gst-display");
	guint id;
	if (v != NULL && G_VALUE_HOLDS_OBJECT(v) && g_value_get_object(v) != NULL) {
		GObject *display = g_value_get_object(v);
		if (g_object_class_find_property(G_OBJECT_GET_CLASS(display), "path") != NULL)
			g_object_get(display, "path", &device, NULL);
	} else if (gst_structure_get_uint(s, "cuda-device-id", &id)) {
		device = g_strdup_printf("%u", id);
	}
	gchar *key = g_strdup_printf("%s|%s", gst_context_get_context_type(ctx), device ? device : "");
	g_free(device);
	return key;
}

static void share_context(GstContext *ctx) {
	gchar *key = context_key(ctx);
	g_mutex_lock(&shared_lock);
	if (shared_contexts == NULL)
		shared_contexts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)gst_context_unref);
	if (g_hash_table_contains(shared_contexts, key))
		g_free(key);
	else
		g_hash_table_insert(shared_contexts, key, gst_context_ref(ctx));
	g_mutex_unlock(&shared_lock);
}

// give_contexts gives el the kept contexts of type. They are set outside
// the lock: an element may post HAVE_CONTEXT from its set_context, which
// comes back to share_context.
static void give_contexts(GstElement *el, const gchar *type) {
	GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify)gst_context_unref);
	g_mutex_lock(&shared_lock);
	if (shared_contexts != NULL) {
		GHashTableIter it;
		gpointer key, ctx;
		g_hash_table_iter_init(&it, shared_contexts);
		while (g_hash_table_iter_next(&it, &key, &ctx))
			if (g_strcmp0(gst_context_get_context_type(ctx), type) == 0)
				g_ptr_array_add(found, gst_context_ref(ctx));
	}
	g_mutex_unlock(&shared_lock);
	for (guint i = 0; i < found->len; i++)
		gst_element_set_context(el, g_ptr_array_index(found, i));
	g_ptr_array_unref(found);
}

void streamer_share_contexts(GstMessage *m) {
	const gchar *type = NULL;
	GstContext *ctx = NULL;
	switch (GST_MESSAGE_TYPE(m)) {
	case GST_MESSAGE_NEED_CONTEXT:
		if (gst_message_parse_context_type(m, &type) && shared_type(type) && GST_IS_ELEMENT(GST_MESSAGE_SRC(m)))
			give_contexts(GST_ELEMENT(GST_MESSAGE_SRC(m)), type);
		break;
	case GST_MESSAGE_HAVE_CONTEXT:
		gst_message_parse_have_context(m, &ctx);
		if (ctx != NULL) {
			if (shared_type(gst_context_get_context_type(ctx)))
				share_context(ctx);
			gst_context_unref(ctx);
		}
		break;
	default:
		break;
	}
}

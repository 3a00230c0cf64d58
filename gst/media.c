// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
//
// C helpers of the media backend (media*.go): probing an input with
// GstDiscoverer, reading what an element factory offers (its source caps,
// its properties), and settings for the decoders a pipeline plugs. No Go
// callback is involved: the one signal handler here is C.

#include "media.h"
#include <string.h>
#include <gst/video/video.h>
#include <gst/audio/audio.h>

// first_caps returns the caps of the first stream of streams (still
// images left out when skip_images), as a string, or NULL.
static char *first_caps(GList *streams, gboolean skip_images) {
	for (GList *l = streams; l != NULL; l = l->next) {
		GstDiscovererStreamInfo *s = l->data;
		if (skip_images && GST_IS_DISCOVERER_VIDEO_INFO(s) &&
		    gst_discoverer_video_info_is_image(GST_DISCOVERER_VIDEO_INFO(s)))
			continue;
		GstCaps *caps = gst_discoverer_stream_info_get_caps(s);
		if (caps == NULL)
			continue;
		char *str = gst_caps_to_string(caps);
		gst_caps_unref(caps);
		return str;
	}
	return NULL;
}

void streamer_discover(const char *uri, GstClockTime timeout, streamer_discovery *out) {
	memset(out, 0, sizeof(*out));
	GError *err = NULL;
	GstDiscoverer *dc = gst_discoverer_new(timeout, &err);
	if (dc == NULL) {
		out->error = g_strdup(err != NULL ? err->message : "cannot make a GstDiscoverer");
		g_clear_error(&err);
		out->result = GST_DISCOVERER_ERROR;
		return;
	}
	GstDiscovererInfo *info = gst_discoverer_discover_uri(dc, uri, &err);
	out->result = info != NULL ? (int)gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
	if (err != NULL)
		out->error = g_strdup(err->message);
	if (info != NULL) {
		GList *v = gst_discoverer_info_get_video_streams(info);
		out->video = first_caps(v, TRUE);
		gst_discoverer_stream_info_list_free(v);
		GList *a = gst_discoverer_info_get_audio_streams(info);
		out->audio = first_caps(a, FALSE);
		gst_discoverer_stream_info_list_free(a);
		const gchar **missing = gst_discoverer_info_get_missing_elements_installer_details(info);
		if (missing != NULL && missing[0] != NULL)
			out->missing = g_strjoinv("; ", (gchar **)missing);
		// missing is the info's own array: freed with the info.
		gst_discoverer_info_unref(info);
	}
	g_clear_error(&err);
	g_object_unref(dc);
}

char *streamer_caps_field(const char *caps, const char *field) {
	GstCaps *c = gst_caps_from_string(caps);
	if (c == NULL)
		return NULL;
	char *res = NULL;
	if (gst_caps_get_size(c) > 0) {
		const GValue *v = gst_structure_get_value(gst_caps_get_structure(c, 0), field);
		if (v != NULL)
			res = G_VALUE_HOLDS_STRING(v) ? g_value_dup_string(v) : gst_value_serialize(v);
	}
	gst_caps_unref(c);
	return res;
}

// pad_template returns the caps of factory's first sink (when sink) or
// source pad template, or NULL.
static GstCaps *pad_template(const char *factory, gboolean sink) {
	GstElementFactory *f = gst_element_factory_find(factory);
	if (f == NULL)
		return NULL;
	GstCaps *caps = NULL;
	for (const GList *l = gst_element_factory_get_static_pad_templates(f); l != NULL; l = l->next) {
		GstStaticPadTemplate *t = l->data;
		if (t->direction == (sink ? GST_PAD_SINK : GST_PAD_SRC)) {
			caps = gst_static_pad_template_get_caps(t);
			break;
		}
	}
	gst_object_unref(f);
	return caps;
}

char *streamer_template_field(const char *factory, gboolean sink, const char *field) {
	GstCaps *caps = pad_template(factory, sink);
	if (caps == NULL)
		return NULL;
	char *res = NULL;
	for (guint i = 0; i < gst_caps_get_size(caps) && res == NULL; i++) {
		const GValue *v = gst_structure_get_value(gst_caps_get_structure(caps, i), field);
		if (v != NULL)
			res = gst_value_serialize(v);
	}
	gst_caps_unref(caps);
	return res;
}

gboolean streamer_template_accepts(const char *factory, gboolean sink, const char *caps) {
	GstCaps *t = pad_template(factory, sink);
	GstCaps *c = gst_caps_from_string(caps);
	gboolean ok = t != NULL && c != NULL && gst_caps_can_intersect(t, c);
	if (t != NULL)
		gst_caps_unref(t);
	if (c != NULL)
		gst_caps_unref(c);
	return ok;
}

int streamer_check_property(const char *factory, const char *prop, const char *value) {
	GstElementFactory *f = gst_element_factory_find(factory);
	if (f == NULL)
		return STREAMER_PROPERTY_MISSING;
	GstPluginFeature *loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(f));
	gst_object_unref(f);
	if (loaded == NULL)
		return STREAMER_PROPERTY_MISSING;
	int res = STREAMER_PROPERTY_MISSING;
	GType type = gst_element_factory_get_element_type(GST_ELEMENT_FACTORY(loaded));
	if (type != 0) {
		gpointer klass = g_type_class_ref(type);
		GParamSpec *spec = g_object_class_find_property(G_OBJECT_CLASS(klass), prop);
		if (spec != NULL) {
			GValue v = G_VALUE_INIT;
			g_value_init(&v, spec->value_type);
			// g_param_value_validate returns TRUE when it had to change
			// the value: out of range, or not a valid enum value.
			res = gst_value_deserialize(&v, value) && !g_param_value_validate(spec, &v) ? STREAMER_PROPERTY_OK : STREAMER_PROPERTY_REFUSED;
			g_value_unset(&v);
		}
		g_type_class_unref(klass);
	}
	gst_object_unref(loaded);
	return res;
}

typedef struct {
	gboolean fail;
	int threads;
} decoder_settings;

static void apply_decoder_settings(GstElement *el, const decoder_settings *s) {
	if (!GST_IS_VIDEO_DECODER(el) && !GST_IS_AUDIO_DECODER(el))
		return;
	GObjectClass *klass = G_OBJECT_GET_CLASS(el);
	if (s->fail && g_object_class_find_property(klass, "max-errors") != NULL)
		g_object_set(el, "max-errors", 0, NULL);
	if (s->threads <= 0)
		return;
	static const char *names[] = {"max-threads", "threads", "n-threads", NULL};
	for (int i = 0; names[i] != NULL; i++) {
		GParamSpec *spec = g_object_class_find_property(klass, names[i]);
		if (spec == NULL)
			continue;
		GValue from = G_VALUE_INIT, to = G_VALUE_INIT;
		g_value_init(&from, G_TYPE_INT);
		g_value_set_int(&from, s->threads);
		g_value_init(&to, spec->value_type);
		if (g_value_transform(&from, &to))
			g_object_set_property(G_OBJECT(el), names[i], &to);
		g_value_unset(&from);
		g_value_unset(&to);
		return;
	}
}

static void apply_each(const GValue *item, gpointer data) {
	apply_decoder_settings(g_value_get_object(item), data);
}

static void on_deep_element_added(GstBin *bin, GstBin *sub, GstElement *el, gpointer data) {
	apply_decoder_settings(el, data);
}

void streamer_decoder_settings(GstElement *pipeline, gboolean fail, int threads) {
	decoder_settings *s = g_new0(decoder_settings, 1);
	s->fail = fail;
	s->threads = threads;
	GstIterator *it = gst_bin_iterate_recurse(GST_BIN(pipeline));
	while (gst_iterator_foreach(it, apply_each, s) == GST_ITERATOR_RESYNC)
		gst_iterator_resync(it);
	gst_iterator_free(it);
	g_signal_connect_data(pipeline, "deep-element-added", G_CALLBACK(on_deep_element_added), s,
		(GClosureNotify)g_free, 0);
}

void streamer_set_boolean(GstElement *el, const char *prop, gboolean value) {
	g_object_set(el, prop, value, NULL);
}

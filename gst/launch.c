// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include "launch.h"
#include <string.h>

// The element streamer_parse puts first; it never outlives parsing.
#define PARSE_GUARD "streamer-parse-guard"

// drop_guard takes the guard's holder out of el (a sunk bin); FALSE, with
// el left as it is, when the description made nothing besides it.
static gboolean drop_guard(GstElement *el) {
	GstElement *guard = GST_IS_BIN(el) ? gst_bin_get_by_name(GST_BIN(el), PARSE_GUARD) : NULL;
	if (guard == NULL)
		return TRUE;
	GstObject *holder = gst_object_get_parent(GST_OBJECT(guard));
	gst_object_unref(guard);
	if (holder == GST_OBJECT(el)) {
		gst_object_unref(holder);
		return FALSE;
	}
	if (holder != NULL) {
		GstObject *top = gst_object_get_parent(holder);
		if (top != NULL) {
			gst_bin_remove(GST_BIN(top), GST_ELEMENT(holder));
			gst_object_unref(top);
		}
		gst_object_unref(holder);
	}
	return TRUE;
}

// as_pipeline returns el (whose reference it takes) as a pipeline. A
// description that is one pipeline ("pipeline.( latency=... )") was
// parsed into a pipeline of its own beside the guard: that one is used
// itself, so its properties apply. Anything else is put in a new one.
static GstElement *as_pipeline(GstElement *el) {
	if (GST_IS_BIN(el) && GST_BIN_NUMCHILDREN(el) == 1 && GST_IS_PIPELINE(GST_BIN_CHILDREN(el)->data)) {
		GstElement *inner = gst_object_ref(GST_BIN_CHILDREN(el)->data);
		gst_bin_remove(GST_BIN(el), inner);
		gst_object_unref(el);
		el = inner; // our reference; it is no longer floating once added and removed
		// Its bus went to the outer pipeline's and back to none: give it
		// one of its own, as gst_pipeline_new does.
		GstBus *bus = g_object_new(GST_TYPE_BUS, "enable-async", TRUE, NULL);
		gst_object_ref_sink(bus);
		gst_element_set_bus(el, bus);
		gst_object_unref(bus);
	}
	if (!GST_IS_PIPELINE(el)) {
		GstElement *p = gst_pipeline_new(NULL);
		gst_object_ref_sink(p);
		gst_bin_add(GST_BIN(p), el); // the bin takes a reference of its own
		gst_object_unref(el);
		el = p;
	}
	return el;
}

GstElement *streamer_parse(const char *desc, char **err) {
	// GStreamer 1.22's parser dereferences NULL when the top level of a
	// description creates no element but links references: "a. ! b.",
	// "nosuchelement a. ! b.", "videotestsrc nosuchproperty=1 a. ! b."
	// (FuzzLaunch found them). A bin holding an empty bin, put first, is
	// always created; it is removed after parsing. The caller has refused
	// descriptions that do not start with an element, a reference or a bin,
	// which could bind to it.
	gchar *guarded = g_strconcat("( bin name=" PARSE_GUARD " ) ", desc, NULL);
	GError *gerr = NULL;
	GstElement *el = gst_parse_launch_full(guarded, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &gerr);
	g_free(guarded);
	if (gerr != NULL) {
		*err = g_strdup(strstr(gerr->message, PARSE_GUARD) != NULL ? "syntax error" : gerr->message);
		g_error_free(gerr);
		if (el != NULL)
			gst_object_unref(gst_object_ref_sink(el));
		return NULL;
	}
	if (el == NULL) {
		*err = g_strdup("could not create the pipeline");
		return NULL;
	}
	gst_object_ref_sink(el);
	if (!drop_guard(el)) {
		gst_object_unref(el);
		*err = g_strdup("no element");
		return NULL;
	}
	return as_pipeline(el);
}

gboolean streamer_element_exists(const char *factory) {
	GstElementFactory *f = gst_element_factory_find(factory);
	if (f == NULL)
		return FALSE;
	gst_object_unref(f);
	return TRUE;
}

GstElement *streamer_bin_get(GstElement *bin, const char *name) {
	return gst_bin_get_by_name(GST_BIN(bin), name);
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// The media backend's helpers (media.c): probing an input, reading what an
// element factory offers, and settings for the decoders a pipeline plugs.

#ifndef STREAMER_GST_MEDIA_H
#define STREAMER_GST_MEDIA_H

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

// What GstDiscoverer found in an input: the caps of its first video
// stream (still images left out) and of its first audio stream, NULL when
// it has none. Strings are the caller's to g_free.
typedef struct {
	int result;    // a GstDiscovererResult
	char *video;
	char *audio;
	char *error;   // the discoverer's error, or NULL
	char *missing; // what is missing to read it (installer details), or NULL
} streamer_discovery;

// Probe uri (waiting at most timeout) with a GstDiscoverer of its own.
void streamer_discover(const char *uri, GstClockTime timeout, streamer_discovery *out);
// The value of field in the first structure of caps (a caps string), as a
// string the caller frees, or NULL.
char *streamer_caps_field(const char *caps, const char *field);
// The value of field in factory's sink (when sink) or source pad template,
// serialized (a string the caller frees), or NULL when it has no such field.
char *streamer_template_field(const char *factory, gboolean sink, const char *field);
// Whether caps can go into factory's sink pad (when sink) or come out of
// its source pad.
gboolean streamer_template_accepts(const char *factory, gboolean sink, const char *caps);

// Whether factory's elements take a value for a property.
typedef enum {
	STREAMER_PROPERTY_OK = 0,
	STREAMER_PROPERTY_MISSING,  // no such property (or factory)
	STREAMER_PROPERTY_REFUSED,  // unparsable, out of range, not one of the enum's
} streamer_property_check;

// Whether factory's elements take value (serialized) for prop: a
// streamer_property_check.
int streamer_check_property(const char *factory, const char *prop, const char *value);
// Set max-errors=0 when fail, and the thread count when threads > 0, on
// every video and audio decoder in pipeline, now and when one is added
// (as decodebin does), through a C signal handler.
void streamer_decoder_settings(GstElement *pipeline, gboolean fail, int threads);
void streamer_set_boolean(GstElement *el, const char *prop, gboolean value);

#endif

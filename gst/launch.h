// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Launch descriptions and elements (launch.c).

#ifndef STREAMER_GST_LAUNCH_H
#define STREAMER_GST_LAUNCH_H

#include <gst/gst.h>

// Parse a launch description into a pipeline (a single element is put in
// one). Returns a pipeline with a full (sunk) reference, or NULL with *err
// set to a message the caller frees.
GstElement *streamer_parse(const char *desc, char **err);

gboolean streamer_element_exists(const char *factory);
// The element called name in bin (recursively), with a reference, or NULL.
GstElement *streamer_bin_get(GstElement *bin, const char *name);

#endif

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
//
// Small C helpers for the per-frame path of package gst: buffers, samples,
// caps and the bus are handled through raw pointers with explicit
// references, never through go-gst's finalizer-owned wrappers.

#ifndef STREAMER_GST_SHIM_H
#define STREAMER_GST_SHIM_H

#include <stdint.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <gst/audio/audio.h>

// What a caps structure says, flattened for Go.
typedef struct {
	char name[64];    // structure name: video/x-raw, video/x-h264, ...
	char format[32];  // raw format (I420, S16LE, ...) or empty
	char profile[32]; // codec profile or empty
	char level[16];   // codec level or empty
	char stream_format[32];
	int width, height;
	int fps_n, fps_d;
	int rate, channels;
	int interleaved;  // audio: 1 interleaved, 0 non-interleaved
	int mpegversion;
	int n_planes;     // raw video: from GstVideoInfo
	gsize offset[4];
	int stride[4];
	gsize size;       // raw video: frame size by GstVideoInfo
	GstBuffer *codec_data; // borrowed from the caps; NULL when absent
} streamer_caps;

void streamer_caps_read(GstCaps *caps, streamer_caps *out);

// A buffer's layout: video meta when present (padded planes).
int streamer_video_meta(GstBuffer *buf, gsize offset[4], int stride[4]);
int streamer_audio_meta(GstBuffer *buf, gsize offset[64], int max);

// Where a buffer's memory lives: 0 system memory, 1 VA, 2 DMABuf, 3 CUDA,
// 4 other non-system memory (GL, D3D, ...): mapping it may copy.
int streamer_buffer_memory_kind(GstBuffer *buf);

gboolean streamer_buffer_map(GstBuffer *buf, GstMapInfo *info);
void streamer_buffer_unmap(GstBuffer *buf, GstMapInfo *info);

// Pull one sample: returns 1 with a buffer reference and the sample's caps
// (borrowed; valid while *caps_ref is held: we return a ref too), 0 at EOS
// or when the pipeline is flushing or stopped.
// The sample's timestamps in stream time (the buffer's, less the segment's
// offset: encoders start their segments at 1000 hours so DTS stays
// positive). valid is 0 for a timestamp the buffer has not.
typedef struct {
	gint64 pts, dts;
	int pts_valid, dts_valid;
} streamer_times;

int streamer_pull(GstAppSink *sink, GstBuffer **buf, GstCaps **caps, streamer_times *times);

// Wrap memory the caller keeps alive until notify(user_data) is called.
GstBuffer *streamer_wrap(gpointer data, gsize size, uintptr_t handle);

// Push buf (taking its reference) with a segment that starts at start:
// running and stream time are the buffer's timestamps less start.
GstFlowReturn streamer_push_segment(GstAppSrc *src, GstBuffer *buf, GstClockTime start);

// Describe buf as non-interleaved audio: channels planes of samples each,
// at offsets (NULL: back to back).
void streamer_add_audio_meta(GstBuffer *buf, const char *format, int rate, int channels, int samples, gsize *offsets);

// Set timestamps, making the buffer writable first when it is shared (a
// metadata copy: the memory is shared, not copied).
GstBuffer *streamer_stamp(GstBuffer *buf, GstClockTime pts, GstClockTime dts, GstClockTime dur, gboolean delta);

gboolean streamer_buffer_is_delta(GstBuffer *buf);
GstClockTime streamer_buffer_pts(GstBuffer *buf);
GstClockTime streamer_buffer_dts(GstBuffer *buf);
GstClockTime streamer_buffer_duration(GstBuffer *buf);

GstElement *streamer_bin_get(GstElement *bin, const char *name);

// Post the message that ends a bus reader.
void streamer_bus_wake(GstBus *bus);

// Caps of the pad's peer, as a string the caller frees; NULL when unlinked.
char *streamer_peer_caps(GstElement *el, const char *pad);


// Parse a launch description into a pipeline (a single element is put in
// one). Returns a pipeline with a full (sunk) reference, or NULL with *err
// set to a message the caller frees.
GstElement *streamer_parse(const char *desc, char **err);

// A bus message, flattened for Go. Strings are the caller's to g_free.
typedef struct {
	int type;        // 0 none (timeout), 1 error, 2 warning, 3 eos, 4 state changed (pipeline), 5 wake, 6 info
	char *src;       // name of the element that posted it
	char *text;      // error / warning message
	char *debug;     // debug details
	int domain_core_missing_plugin; // error is a missing element or plugin
	int old_state, new_state;
} streamer_msg;

void streamer_bus_pop(GstBus *bus, GstElement *pipeline, GstClockTime timeout, streamer_msg *out);
int streamer_set_state(GstElement *el, int state);
int streamer_get_state(GstElement *el, GstClockTime timeout);
gboolean streamer_query_position(GstElement *el, gint64 *pos);
gboolean streamer_query_duration(GstElement *el, gint64 *dur);
gboolean streamer_element_exists(const char *factory);

// The caps property of an element as a string the caller frees ("ANY" when unset).
char *streamer_caps_prop(GstElement *el);

typedef struct {
	GstClockTime pts, dts, duration;
	int delta;
	gsize size;
	int memory_kind;
	int video_meta_planes; // 0 without video meta
	int stride[4];         // from video meta
} streamer_buffer_info;

void streamer_buffer_read(GstBuffer *buf, streamer_buffer_info *out);

// A new buffer of size bytes mapped for writing; unmap with streamer_buffer_unmap.
GstBuffer *streamer_buffer_new_mapped(gsize size, GstMapInfo *info);

// Attach video meta describing planes at offsets with strides.
void streamer_add_video_meta(GstBuffer *buf, const char *format, int width, int height, int n_planes, gsize offset[4], int stride[4]);

gboolean streamer_set_caps(GstElement *el, const char *caps);
void streamer_setup_appsink(GstElement *el, int max_buffers);
void streamer_setup_appsrc(GstElement *el, int max_buffers);

// Inject EOS into an element's sink pad, as if it came from upstream: an
// appsink then ends after the samples it holds.
void streamer_sink_eos(GstElement *el);

// Errors that a bin swallows. decodebin filters the errors of an element
// it is still bringing to PAUSED (so it can try another one), and keeps
// filtering them if that state change then succeeds: a demuxer whose
// streaming thread fails at once (a file cut inside its header) is lost,
// and the pipeline waits in preroll for ever; gst-launch-1.0 hangs too.
// streamer_watch_errors installs, once per process, a tracer hook that sees
// every error message an element inside a decodebin of a pipeline tagged
// with streamer_tag_pipeline posts, before decodebin can drop it, and hands
// it to Go's
// streamerChildError (with a message reference Go drops).
void streamer_watch_errors(void);
void streamer_tag_pipeline(GstElement *pipeline, guint64 id);
// The state of a pipeline bus's sync handler (see streamer_bus_setup).
typedef struct streamer_bus_state streamer_bus_state;
// Whether error m, seen inside a decodebin, needs posting on the bus: it
// was not posted there, its source is still in its bin (not given up by
// decodebin) and reached PAUSED (decodebin handles those that did not).
gboolean streamer_rescue_wanted(streamer_bus_state *st, GstMessage *m);
// An error message from el, as GST_ELEMENT_ERROR would post; when unparent,
// el is then taken out of its bin, as decodebin does with an element it
// gave up on. For the tests of the rescue of dropped errors.
GstMessage *streamer_dropped_error(GstElement *el, const char *text, gboolean unparent);

// Install the sync handler of a pipeline's bus: it notes the errors
// posted (for streamer_rescue_wanted) and shares GPU contexts (the VA
// display, the CUDA context) between pipelines, so GPU frames can cross
// from one to another (see shim.c). The state lives as long as the bus.
streamer_bus_state *streamer_bus_setup(GstBus *bus);
// Keep ctx as the one to give elements asking for its type and device.
void streamer_share_context(GstContext *ctx);
// For the tests of context sharing: see shim.c.
void streamer_post_have_context(GstElement *el, const char *type, guint id);
int streamer_post_need_context(GstElement *el, const char *type);

// The media backend's helpers (media.c).

// What GstDiscoverer found in an input: the caps of its first video
// stream (still images left out) and of its first audio stream, NULL when
// it has none. Strings are the caller's to g_free.
typedef struct {
	int result;    // GstDiscovererResult: 0 ok, 1 invalid URI, 2 error, 3 timeout, 4 busy, 5 missing plugins
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
// Whether factory's elements take value (serialized) for prop: 0 yes, 1
// no such property (or factory), 2 a value it does not take (unparsable,
// out of range, not one of the enum's).
int streamer_check_property(const char *factory, const char *prop, const char *value);
// Set max-errors=0 when fail, and the thread count when threads > 0, on
// every video and audio decoder in pipeline, now and when one is added
// (as decodebin does), through a C signal handler.
void streamer_decoder_settings(GstElement *pipeline, gboolean fail, int threads);
void streamer_set_boolean(GstElement *el, const char *prop, gboolean value);

#endif

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Buffers, samples and caps (buffer.c): reading a caps structure, a
// buffer's layout and memory, pulling from an appsink and pushing into an
// appsrc.

#ifndef STREAMER_GST_BUFFER_H
#define STREAMER_GST_BUFFER_H

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

// Read the first structure of caps; an empty out (interleaved) for NULL or
// empty caps.
void streamer_caps_read(GstCaps *caps, streamer_caps *out);

// A buffer's layout from its video meta (padded planes): the plane count,
// 0 without one.
int streamer_video_meta(GstBuffer *buf, gsize offset[4], int stride[4]);
// The channel offsets of a buffer's audio meta, at most max: their count,
// 0 without one (or for interleaved audio).
int streamer_audio_meta(GstBuffer *buf, gsize offset[64], int max);

// Where a buffer's memory lives. Other non-system memory (GL, D3D, ...)
// may be copied when mapped.
typedef enum {
	STREAMER_MEMORY_SYSTEM = 0,
	STREAMER_MEMORY_VA,
	STREAMER_MEMORY_DMABUF,
	STREAMER_MEMORY_CUDA,
	STREAMER_MEMORY_OTHER,
} streamer_memory_kind;

typedef struct {
	GstClockTime pts, dts, duration;
	int delta;
	gsize size;
	int memory_kind;       // a streamer_memory_kind
	int video_meta_planes; // 0 without video meta
	int stride[4];         // from video meta
} streamer_buffer_info;

void streamer_buffer_read(GstBuffer *buf, streamer_buffer_info *out);

gboolean streamer_buffer_map(GstBuffer *buf, GstMapInfo *info);
void streamer_buffer_unmap(GstBuffer *buf, GstMapInfo *info);

// A new buffer of size bytes mapped for writing (unmap with
// streamer_buffer_unmap), or NULL.
GstBuffer *streamer_buffer_new_mapped(gsize size, GstMapInfo *info);

// Wrap memory the caller keeps alive until Go's streamerReleaseWrapped(handle)
// is called.
GstBuffer *streamer_wrap(gpointer data, gsize size, uintptr_t handle);

// Set timestamps, making the buffer writable first when it is shared (a
// metadata copy: the memory is shared, not copied).
GstBuffer *streamer_stamp(GstBuffer *buf, GstClockTime pts, GstClockTime dts, GstClockTime dur, gboolean delta);

// Attach video meta describing planes at offsets with strides.
void streamer_add_video_meta(GstBuffer *buf, const char *format, int width, int height, int n_planes, gsize offset[4], int stride[4]);
// Describe buf as non-interleaved audio: channels planes of samples each,
// at offsets (NULL: back to back).
void streamer_add_audio_meta(GstBuffer *buf, const char *format, int rate, int channels, int samples, gsize *offsets);

// A sample's timestamps in stream time (the buffer's, less the segment's
// offset: encoders start their segments at 1000 hours so DTS stays
// positive). valid is 0 for a timestamp the buffer has not.
typedef struct {
	gint64 pts, dts;
	int pts_valid, dts_valid;
} streamer_times;

// What streamer_pull got.
typedef enum {
	STREAMER_PULL_NONE = -1, // a sample without a buffer
	STREAMER_PULL_END = 0,   // EOS, or the pipeline is flushing or stopped
	STREAMER_PULL_OK = 1,
} streamer_pull_result;

// Pull one sample: with STREAMER_PULL_OK, a buffer reference and the
// sample's caps (a reference too, or NULL).
int streamer_pull(GstAppSink *sink, GstBuffer **buf, GstCaps **caps, streamer_times *times);

// Push buf (taking its reference) with a segment that starts at start:
// running and stream time are the buffer's timestamps less start.
GstFlowReturn streamer_push_segment(GstAppSrc *src, GstBuffer *buf, GstClockTime start);

void streamer_setup_appsink(GstElement *el, int max_buffers);
void streamer_setup_appsrc(GstElement *el, int max_buffers);

// Set an element's caps property from a caps string; FALSE when it does
// not parse.
gboolean streamer_set_caps(GstElement *el, const char *caps);
// The caps property of an element as a string the caller frees ("ANY" when unset).
char *streamer_caps_prop(GstElement *el);
// Caps of the pad's peer, as a string the caller frees; NULL when unlinked.
char *streamer_peer_caps(GstElement *el, const char *pad);

#endif

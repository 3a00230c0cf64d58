// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include "buffer.h"
#include <string.h>

extern void streamerReleaseWrapped(uintptr_t handle);

static void copy_str(char *dst, size_t n, const gchar *src) {
	if (src == NULL) {
		dst[0] = 0;
		return;
	}
	g_strlcpy(dst, src, n);
}

void streamer_caps_read(GstCaps *caps, streamer_caps *out) {
	memset(out, 0, sizeof(*out));
	out->interleaved = 1;
	if (caps == NULL || gst_caps_get_size(caps) == 0)
		return;
	GstStructure *s = gst_caps_get_structure(caps, 0);
	copy_str(out->name, sizeof(out->name), gst_structure_get_name(s));
	copy_str(out->format, sizeof(out->format), gst_structure_get_string(s, "format"));
	copy_str(out->profile, sizeof(out->profile), gst_structure_get_string(s, "profile"));
	copy_str(out->level, sizeof(out->level), gst_structure_get_string(s, "level"));
	copy_str(out->stream_format, sizeof(out->stream_format), gst_structure_get_string(s, "stream-format"));
	gst_structure_get_int(s, "width", &out->width);
	gst_structure_get_int(s, "height", &out->height);
	gst_structure_get_fraction(s, "framerate", &out->fps_n, &out->fps_d);
	gst_structure_get_int(s, "rate", &out->rate);
	gst_structure_get_int(s, "channels", &out->channels);
	gst_structure_get_int(s, "mpegversion", &out->mpegversion);
	const gchar *layout = gst_structure_get_string(s, "layout");
	if (layout != NULL && strcmp(layout, "non-interleaved") == 0)
		out->interleaved = 0;
	const GValue *cd = gst_structure_get_value(s, "codec_data");
	if (cd != NULL && G_VALUE_HOLDS(cd, GST_TYPE_BUFFER))
		out->codec_data = gst_value_get_buffer(cd);
	if (strcmp(out->name, "video/x-raw") == 0) {
		GstVideoInfo info;
		if (gst_video_info_from_caps(&info, caps)) {
			out->n_planes = GST_VIDEO_INFO_N_PLANES(&info);
			for (int i = 0; i < 4; i++) {
				out->offset[i] = GST_VIDEO_INFO_PLANE_OFFSET(&info, i);
				out->stride[i] = GST_VIDEO_INFO_PLANE_STRIDE(&info, i);
			}
			out->size = GST_VIDEO_INFO_SIZE(&info);
		}
	}
}

int streamer_video_meta(GstBuffer *buf, gsize offset[4], int stride[4]) {
	GstVideoMeta *m = gst_buffer_get_video_meta(buf);
	if (m == NULL)
		return 0;
	for (guint i = 0; i < 4; i++) {
		offset[i] = m->offset[i];
		stride[i] = m->stride[i];
	}
	return (int)m->n_planes;
}

int streamer_audio_meta(GstBuffer *buf, gsize offset[64], int max) {
	GstAudioMeta *m = gst_buffer_get_audio_meta(buf);
	if (m == NULL || m->offsets == NULL)
		return 0;
	int n = m->info.channels < max ? m->info.channels : max;
	for (int i = 0; i < n; i++)
		offset[i] = m->offsets[i];
	return n;
}

// memory_kind says where buf's memory lives (a streamer_memory_kind): the
// GPU kinds win over DMABuf, which a buffer may mix with system memory.
static int memory_kind(GstBuffer *buf) {
	guint n = gst_buffer_n_memory(buf);
	int kind = STREAMER_MEMORY_SYSTEM;
	for (guint i = 0; i < n; i++) {
		GstMemory *mem = gst_buffer_peek_memory(buf, i);
		if (mem->allocator == NULL || mem->allocator->mem_type == NULL)
			continue;
		const char *t = mem->allocator->mem_type;
		if (strcmp(t, GST_ALLOCATOR_SYSMEM) == 0)
			continue;
		if (strstr(t, "VAMemory") != NULL || strstr(t, "VASurface") != NULL)
			return STREAMER_MEMORY_VA;
		if (strstr(t, "dmabuf") != NULL)
			kind = STREAMER_MEMORY_DMABUF;
		else if (strstr(t, "CUDA") != NULL || strstr(t, "Cuda") != NULL)
			return STREAMER_MEMORY_CUDA;
		else if (strstr(t, "GL") != NULL || strstr(t, "D3D") != NULL)
			return STREAMER_MEMORY_OTHER;
	}
	return kind;
}

void streamer_buffer_read(GstBuffer *buf, streamer_buffer_info *out) {
	out->pts = GST_BUFFER_PTS(buf);
	out->dts = GST_BUFFER_DTS(buf);
	out->duration = GST_BUFFER_DURATION(buf);
	out->delta = GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT) ? 1 : 0;
	out->size = gst_buffer_get_size(buf);
	out->memory_kind = memory_kind(buf);
	GstVideoMeta *m = gst_buffer_get_video_meta(buf);
	out->video_meta_planes = m ? (int)m->n_planes : 0;
	for (int i = 0; i < 4; i++)
		out->stride[i] = m ? m->stride[i] : 0;
}

GstBuffer *streamer_buffer_new_mapped(gsize size, GstMapInfo *info) {
	GstBuffer *b = gst_buffer_new_allocate(NULL, size, NULL);
	if (b == NULL)
		return NULL;
	if (!gst_buffer_map(b, info, GST_MAP_WRITE)) {
		gst_buffer_unref(b);
		return NULL;
	}
	return b;
}

gboolean streamer_buffer_map(GstBuffer *buf, GstMapInfo *info) {
	return gst_buffer_map(buf, info, GST_MAP_READ);
}

void streamer_buffer_unmap(GstBuffer *buf, GstMapInfo *info) { gst_buffer_unmap(buf, info); }

static void release_wrapped(gpointer data) { streamerReleaseWrapped((uintptr_t)data); }

GstBuffer *streamer_wrap(gpointer data, gsize size, uintptr_t handle) {
	return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, data, size, 0, size, (gpointer)handle, release_wrapped);
}

GstBuffer *streamer_stamp(GstBuffer *buf, GstClockTime pts, GstClockTime dts, GstClockTime dur, gboolean delta) {
	gboolean is_delta = GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT) != 0;
	if (GST_BUFFER_PTS(buf) == pts && GST_BUFFER_DTS(buf) == dts && GST_BUFFER_DURATION(buf) == dur && is_delta == (delta != 0))
		return buf;
	buf = gst_buffer_make_writable(buf);
	GST_BUFFER_PTS(buf) = pts;
	GST_BUFFER_DTS(buf) = dts;
	GST_BUFFER_DURATION(buf) = dur;
	if (delta)
		GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
	else
		GST_BUFFER_FLAG_UNSET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
	return buf;
}

void streamer_add_video_meta(GstBuffer *buf, const char *format, int width, int height, int n_planes, gsize offset[4], int stride[4]) {
	gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, gst_video_format_from_string(format), width, height, n_planes, offset, stride);
}

void streamer_add_audio_meta(GstBuffer *buf, const char *format, int rate, int channels, int samples, gsize *offsets) {
	GstAudioInfo info;
	gst_audio_info_init(&info);
	gst_audio_info_set_format(&info, gst_audio_format_from_string(format), rate, channels, NULL);
	info.layout = GST_AUDIO_LAYOUT_NON_INTERLEAVED;
	gst_buffer_add_audio_meta(buf, &info, samples, offsets);
}

// stream_time sets *out to t in the stream time of seg, negative before
// the segment's start; *valid is 0 for an invalid t or one seg cannot
// convert.
static void stream_time(const GstSegment *seg, GstClockTime t, gint64 *out, int *valid) {
	*valid = 0;
	if (!GST_CLOCK_TIME_IS_VALID(t))
		return;
	if (seg == NULL || seg->format != GST_FORMAT_TIME) {
		*out = (gint64)t;
		*valid = 1;
		return;
	}
	guint64 st;
	int sign = gst_segment_to_stream_time_full(seg, GST_FORMAT_TIME, t, &st);
	if (sign == 0)
		return;
	*out = sign > 0 ? (gint64)st : -(gint64)st;
	*valid = 1;
}

int streamer_pull(GstAppSink *sink, GstBuffer **buf, GstCaps **caps, streamer_times *times) {
	GstSample *sample = gst_app_sink_pull_sample(sink);
	if (sample == NULL)
		return STREAMER_PULL_END;
	GstBuffer *b = gst_sample_get_buffer(sample);
	if (b == NULL) {
		gst_sample_unref(sample);
		return STREAMER_PULL_NONE;
	}
	*buf = gst_buffer_ref(b);
	GstCaps *c = gst_sample_get_caps(sample);
	*caps = c ? gst_caps_ref(c) : NULL;
	const GstSegment *seg = gst_sample_get_segment(sample);
	stream_time(seg, GST_BUFFER_PTS(b), &times->pts, &times->pts_valid);
	stream_time(seg, GST_BUFFER_DTS(b), &times->dts, &times->dts_valid);
	gst_sample_unref(sample);
	return STREAMER_PULL_OK;
}

GstFlowReturn streamer_push_segment(GstAppSrc *src, GstBuffer *buf, GstClockTime start) {
	GstSegment seg;
	gst_segment_init(&seg, GST_FORMAT_TIME);
	seg.start = start;
	seg.position = start;
	seg.time = 0;
	GstCaps *caps = gst_app_src_get_caps(src);
	GstSample *sample = gst_sample_new(buf, caps, &seg, NULL);
	if (caps != NULL)
		gst_caps_unref(caps);
	gst_buffer_unref(buf);
	GstFlowReturn ret = gst_app_src_push_sample(src, sample);
	gst_sample_unref(sample);
	return ret;
}

void streamer_setup_appsink(GstElement *el, int max_buffers) {
	g_object_set(el, "sync", FALSE, "enable-last-sample", FALSE, "emit-signals", FALSE,
		"max-buffers", (guint)max_buffers, "drop", FALSE, NULL);
}

void streamer_setup_appsrc(GstElement *el, int max_buffers) {
	g_object_set(el, "format", GST_FORMAT_TIME, "block", TRUE, "emit-signals", FALSE,
		"max-bytes", (guint64)0, "max-buffers", (guint64)max_buffers, "max-time", (guint64)0,
		"handle-segment-change", TRUE, NULL);
}

gboolean streamer_set_caps(GstElement *el, const char *caps) {
	GstCaps *c = gst_caps_from_string(caps);
	if (c == NULL)
		return FALSE;
	g_object_set(el, "caps", c, NULL);
	gst_caps_unref(c);
	return TRUE;
}

char *streamer_caps_prop(GstElement *el) {
	GstCaps *caps = NULL;
	g_object_get(el, "caps", &caps, NULL);
	if (caps == NULL)
		return g_strdup("ANY");
	char *s = gst_caps_to_string(caps);
	gst_caps_unref(caps);
	return s;
}

char *streamer_peer_caps(GstElement *el, const char *pad) {
	GstPad *p = gst_element_get_static_pad(el, pad);
	if (p == NULL)
		return NULL;
	GstCaps *c = gst_pad_peer_query_caps(p, NULL);
	gst_object_unref(p);
	if (c == NULL)
		return NULL;
	char *s = gst_caps_to_string(c);
	gst_caps_unref(c);
	return s;
}

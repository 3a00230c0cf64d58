// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include "shim.h"
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

int streamer_buffer_memory_kind(GstBuffer *buf) {
	guint n = gst_buffer_n_memory(buf);
	int kind = 0;
	for (guint i = 0; i < n; i++) {
		GstMemory *mem = gst_buffer_peek_memory(buf, i);
		if (mem->allocator == NULL || mem->allocator->mem_type == NULL)
			continue;
		const char *t = mem->allocator->mem_type;
		if (strcmp(t, GST_ALLOCATOR_SYSMEM) == 0)
			continue;
		if (strstr(t, "VAMemory") != NULL || strstr(t, "VASurface") != NULL)
			return 1;
		if (strstr(t, "dmabuf") != NULL)
			kind = 2;
		else if (strstr(t, "CUDA") != NULL || strstr(t, "Cuda") != NULL)
			return 3;
		else if (strstr(t, "GL") != NULL || strstr(t, "D3D") != NULL)
			return 4;
	}
	return kind;
}

gboolean streamer_buffer_map(GstBuffer *buf, GstMapInfo *info) {
	return gst_buffer_map(buf, info, GST_MAP_READ);
}

void streamer_buffer_unmap(GstBuffer *buf, GstMapInfo *info) { gst_buffer_unmap(buf, info); }

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
		return 0;
	GstBuffer *b = gst_sample_get_buffer(sample);
	if (b == NULL) {
		gst_sample_unref(sample);
		return -1;
	}
	*buf = gst_buffer_ref(b);
	GstCaps *c = gst_sample_get_caps(sample);
	*caps = c ? gst_caps_ref(c) : NULL;
	const GstSegment *seg = gst_sample_get_segment(sample);
	stream_time(seg, GST_BUFFER_PTS(b), &times->pts, &times->pts_valid);
	stream_time(seg, GST_BUFFER_DTS(b), &times->dts, &times->dts_valid);
	gst_sample_unref(sample);
	return 1;
}

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

gboolean streamer_buffer_is_delta(GstBuffer *buf) { return GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT); }
GstClockTime streamer_buffer_pts(GstBuffer *buf) { return GST_BUFFER_PTS(buf); }
GstClockTime streamer_buffer_dts(GstBuffer *buf) { return GST_BUFFER_DTS(buf); }
GstClockTime streamer_buffer_duration(GstBuffer *buf) { return GST_BUFFER_DURATION(buf); }

GstElement *streamer_bin_get(GstElement *bin, const char *name) {
	return gst_bin_get_by_name(GST_BIN(bin), name);
}

void streamer_bus_wake(GstBus *bus) {
	// A pipeline in NULL sets its bus flushing, which drops posts.
	gst_bus_set_flushing(bus, FALSE);
	GstStructure *s = gst_structure_new_empty("streamer-wake");
	gst_bus_post(bus, gst_message_new_application(NULL, s));
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

// The element streamer_parse puts first; it never outlives parsing.
#define PARSE_GUARD "streamer-parse-guard"

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
	GstElement *guard = GST_IS_BIN(el) ? gst_bin_get_by_name(GST_BIN(el), PARSE_GUARD) : NULL;
	if (guard != NULL) {
		GstObject *holder = gst_object_get_parent(GST_OBJECT(guard));
		gst_object_unref(guard);
		if (holder == GST_OBJECT(el)) { // the description made nothing
			gst_object_unref(holder);
			gst_object_unref(el);
			*err = g_strdup("no element");
			return NULL;
		}
		if (holder != NULL) {
			GstObject *top = gst_object_get_parent(holder);
			if (top != NULL) {
				gst_bin_remove(GST_BIN(top), GST_ELEMENT(holder));
				gst_object_unref(top);
			}
			gst_object_unref(holder);
		}
	}
	// A description that is one pipeline ("pipeline.( latency=... )") was
	// parsed into a pipeline of its own beside the guard: use it itself,
	// so its properties apply.
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

void streamer_bus_pop(GstBus *bus, GstElement *pipeline, GstClockTime timeout, streamer_msg *out) {
	memset(out, 0, sizeof(*out));
	GstMessage *m = gst_bus_timed_pop_filtered(bus, timeout,
		GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_EOS | GST_MESSAGE_STATE_CHANGED | GST_MESSAGE_APPLICATION | GST_MESSAGE_INFO);
	if (m == NULL)
		return;
	if (GST_MESSAGE_SRC(m) != NULL)
		out->src = g_strdup(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)));
	GError *gerr = NULL;
	gchar *dbg = NULL;
	switch (GST_MESSAGE_TYPE(m)) {
	case GST_MESSAGE_ERROR:
		out->type = 1;
		gst_message_parse_error(m, &gerr, &dbg);
		break;
	case GST_MESSAGE_WARNING:
		out->type = 2;
		gst_message_parse_warning(m, &gerr, &dbg);
		break;
	case GST_MESSAGE_INFO:
		out->type = 6;
		gst_message_parse_info(m, &gerr, &dbg);
		break;
	case GST_MESSAGE_EOS:
		out->type = 3;
		break;
	case GST_MESSAGE_STATE_CHANGED:
		if (GST_MESSAGE_SRC(m) == GST_OBJECT(pipeline)) {
			GstState o, n;
			gst_message_parse_state_changed(m, &o, &n, NULL);
			out->type = 4;
			out->old_state = o;
			out->new_state = n;
		}
		break;
	case GST_MESSAGE_APPLICATION:
		if (gst_message_has_name(m, "streamer-wake"))
			out->type = 5;
		break;
	default:
		break;
	}
	if (gerr != NULL) {
		out->text = g_strdup(gerr->message);
		out->domain_core_missing_plugin = (gerr->domain == GST_CORE_ERROR && gerr->code == GST_CORE_ERROR_MISSING_PLUGIN);
		g_error_free(gerr);
	}
	out->debug = dbg;
	gst_message_unref(m);
}

int streamer_set_state(GstElement *el, int state) { return gst_element_set_state(el, (GstState)state); }

int streamer_get_state(GstElement *el, GstClockTime timeout) {
	GstState cur, pending;
	gst_element_get_state(el, &cur, &pending, timeout);
	return cur;
}

gboolean streamer_query_position(GstElement *el, gint64 *pos) { return gst_element_query_position(el, GST_FORMAT_TIME, pos); }
gboolean streamer_query_duration(GstElement *el, gint64 *dur) { return gst_element_query_duration(el, GST_FORMAT_TIME, dur); }

gboolean streamer_element_exists(const char *factory) {
	GstElementFactory *f = gst_element_factory_find(factory);
	if (f == NULL)
		return FALSE;
	gst_object_unref(f);
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

void streamer_buffer_read(GstBuffer *buf, streamer_buffer_info *out) {
	out->pts = GST_BUFFER_PTS(buf);
	out->dts = GST_BUFFER_DTS(buf);
	out->duration = GST_BUFFER_DURATION(buf);
	out->delta = GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT) ? 1 : 0;
	out->size = gst_buffer_get_size(buf);
	out->memory_kind = streamer_buffer_memory_kind(buf);
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

void streamer_add_video_meta(GstBuffer *buf, const char *format, int width, int height, int n_planes, gsize offset[4], int stride[4]) {
	gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, gst_video_format_from_string(format), width, height, n_planes, offset, stride);
}

gboolean streamer_set_caps(GstElement *el, const char *caps) {
	GstCaps *c = gst_caps_from_string(caps);
	if (c == NULL)
		return FALSE;
	g_object_set(el, "caps", c, NULL);
	gst_caps_unref(c);
	return TRUE;
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

void streamer_add_audio_meta(GstBuffer *buf, const char *format, int rate, int channels, int samples, gsize *offsets) {
	GstAudioInfo info;
	gst_audio_info_init(&info);
	gst_audio_info_set_format(&info, gst_audio_format_from_string(format), rate, channels, NULL);
	info.layout = GST_AUDIO_LAYOUT_NON_INTERLEAVED;
	gst_buffer_add_audio_meta(buf, &info, samples, offsets);
}

void streamer_sink_eos(GstElement *el) {
	GstPad *pad = gst_element_get_static_pad(el, "sink");
	if (pad == NULL)
		return;
	gst_pad_send_event(pad, gst_event_new_eos());
	gst_object_unref(pad);
}

// The tracer behind streamer_watch_errors. Tracing hooks are process-wide
// in GStreamer, hence one instance for the process.
typedef struct { GstTracer parent; } StreamerErrorTracer;
typedef struct { GstTracerClass parent_class; } StreamerErrorTracerClass;
G_DEFINE_TYPE(StreamerErrorTracer, streamer_error_tracer, GST_TYPE_TRACER)

static GQuark streamer_id_quark;

extern void streamerChildError(guint64 id, GstMessage *m);

static void on_post_message(GObject *self, GstClockTime ts, GstElement *el, GstMessage *m) {
	if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR)
		return;
	GstObject *top = gst_object_get_parent(GST_OBJECT(el));
	if (top == NULL)
		return;
	// Only decodebin's filter loses errors this way. Other bins drop
	// errors on purpose (rtspsrc, those of its unlinked udpsrcs): leave
	// them be.
	if (g_strcmp0(G_OBJECT_TYPE_NAME(top), "GstDecodeBin") != 0) {
		gst_object_unref(top);
		return;
	}
	GstObject *up;
	while ((up = gst_object_get_parent(top)) != NULL) {
		gst_object_unref(top);
		top = up;
	}
	guint64 id = (guint64)(guintptr)g_object_get_qdata(G_OBJECT(top), streamer_id_quark);
	gst_object_unref(top);
	if (id != 0)
		streamerChildError(id, gst_message_ref(m));
}

static void streamer_error_tracer_class_init(StreamerErrorTracerClass *klass) {}

static void streamer_error_tracer_init(StreamerErrorTracer *self) {
	gst_tracing_register_hook(GST_TRACER(self), "element-post-message-pre", G_CALLBACK(on_post_message));
}

void streamer_watch_errors(void) {
	streamer_id_quark = g_quark_from_static_string("streamer-pipeline-id");
	// The hook list keeps a reference: the tracer lives as long as the process.
	GstTracer *t = g_object_new(streamer_error_tracer_get_type(), NULL);
	gst_object_ref_sink(t);
	gst_object_unref(t);
}

void streamer_tag_pipeline(GstElement *pipeline, guint64 id) {
	g_object_set_qdata(G_OBJECT(pipeline), streamer_id_quark, (gpointer)(guintptr)id);
}

// The per-pipeline state of its bus's sync handler: the seqnums of the
// error messages posted on the bus, so a rescue never posts one twice.
struct streamer_bus_state {
	GMutex lock;
	GHashTable *errors;
};

static void bus_state_free(gpointer data) {
	streamer_bus_state *st = data;
	g_hash_table_destroy(st->errors);
	g_mutex_clear(&st->lock);
	g_free(st);
}

gboolean streamer_rescue_wanted(streamer_bus_state *st, GstMessage *m) {
	g_mutex_lock(&st->lock);
	gboolean seen = g_hash_table_contains(st->errors, GUINT_TO_POINTER(gst_message_get_seqnum(m)));
	g_mutex_unlock(&st->lock);
	if (seen || GST_MESSAGE_SRC(m) == NULL || !GST_IS_ELEMENT(GST_MESSAGE_SRC(m)))
		return FALSE;
	GstObject *p = gst_object_get_parent(GST_MESSAGE_SRC(m));
	if (p == NULL)
		return FALSE; // decodebin took it out to try another
	gst_object_unref(p);
	// decodebin loses the errors of an element whose state change to
	// PAUSED succeeds; one whose change failed, it handles (and removes).
	GstState state;
	GST_OBJECT_LOCK(GST_MESSAGE_SRC(m));
	state = GST_STATE(GST_MESSAGE_SRC(m));
	GST_OBJECT_UNLOCK(GST_MESSAGE_SRC(m));
	return state >= GST_STATE_PAUSED;
}

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

void streamer_share_context(GstContext *ctx) {
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

static GstBusSyncReply share_contexts(GstBus *bus, GstMessage *m, gpointer data) {
	const gchar *type = NULL;
	switch (GST_MESSAGE_TYPE(m)) {
	case GST_MESSAGE_NEED_CONTEXT:
		if (gst_message_parse_context_type(m, &type) && shared_type(type) && GST_IS_ELEMENT(GST_MESSAGE_SRC(m))) {
			// Set outside the lock: an element may post HAVE_CONTEXT from
			// its set_context, which comes back here.
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
				gst_element_set_context(GST_ELEMENT(GST_MESSAGE_SRC(m)), g_ptr_array_index(found, i));
			g_ptr_array_unref(found);
		}
		break;
	case GST_MESSAGE_HAVE_CONTEXT: {
		GstContext *ctx = NULL;
		gst_message_parse_have_context(m, &ctx);
		if (ctx != NULL) {
			if (shared_type(gst_context_get_context_type(ctx)))
				streamer_share_context(ctx);
			gst_context_unref(ctx);
		}
		break;
	}
	default:
		break;
	}
	return GST_BUS_PASS;
}

static GstBusSyncReply bus_sync(GstBus *bus, GstMessage *m, gpointer data) {
	if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
		streamer_bus_state *st = data;
		g_mutex_lock(&st->lock);
		g_hash_table_add(st->errors, GUINT_TO_POINTER(gst_message_get_seqnum(m)));
		g_mutex_unlock(&st->lock);
	}
	return share_contexts(bus, m, NULL);
}

streamer_bus_state *streamer_bus_setup(GstBus *bus) {
	streamer_bus_state *st = g_new0(streamer_bus_state, 1);
	g_mutex_init(&st->lock);
	st->errors = g_hash_table_new(NULL, NULL);
	gst_bus_set_sync_handler(bus, bus_sync, st, bus_state_free);
	return st;
}

// For the tests of context sharing (no GPU here): el posts HAVE_CONTEXT with
// a context of type for CUDA device id, or NEED_CONTEXT for type; the
// latter returns the device id of the context el then holds, or -1.
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

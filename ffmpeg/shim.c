// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

#include <stdarg.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <string.h>
#include "shim.h"

int sm_video_plane_sizes(const AVFrame *f, int64_t sizes[4]) {
	size_t sz[4] = {0};
	ptrdiff_t ls[4];
	for (int i = 0; i < 4; i++) ls[i] = f->linesize[i] < 0 ? -f->linesize[i] : f->linesize[i];
	int ret = av_image_fill_plane_sizes(sz, f->format, f->height, ls);
	if (ret < 0) return ret;
	int n = 0;
	for (int i = 0; i < 4; i++) {
		sizes[i] = (int64_t)sz[i];
		if (f->data[i] && sz[i] > 0) n = i + 1;
	}
	return n;
}

AVPacket *sm_packet_copy(const uint8_t *data, int size) {
	AVPacket *p = av_packet_alloc();
	if (!p) return NULL;
	if (av_new_packet(p, size) < 0) {
		av_packet_free(&p);
		return NULL;
	}
	if (size > 0) memcpy(p->data, data, size);
	return p;
}

int64_t sm_to_ns(int64_t ts, int num, int den) {
	AVRational tb = {num, den}, ns = {1, 1000000000};
	return av_rescale_q(ts, tb, ns);
}

int64_t sm_from_ns(int64_t v, int num, int den) {
	AVRational tb = {num, den}, ns = {1, 1000000000};
	return av_rescale_q(v, ns, tb);
}

void sm_frame_default_layout(AVFrame *f, int n) {
	av_channel_layout_uninit(&f->ch_layout);
	av_channel_layout_default(&f->ch_layout, n);
}

void sm_ctx_default_layout(AVCodecContext *c, int n) {
	av_channel_layout_uninit(&c->ch_layout);
	av_channel_layout_default(&c->ch_layout, n);
}

void sm_par_default_layout(AVCodecParameters *p, int n) {
	av_channel_layout_uninit(&p->ch_layout);
	av_channel_layout_default(&p->ch_layout, n);
}

SwrContext *sm_swr_new(int in_fmt, int in_rate, int in_ch, int out_fmt, int out_rate, int out_ch, int *err) {
	AVChannelLayout in_l, out_l;
	av_channel_layout_default(&in_l, in_ch);
	av_channel_layout_default(&out_l, out_ch);
	SwrContext *s = NULL;
	*err = swr_alloc_set_opts2(&s, &out_l, out_fmt, out_rate, &in_l, in_fmt, in_rate, 0, NULL);
	av_channel_layout_uninit(&in_l);
	av_channel_layout_uninit(&out_l);
	if (*err < 0) return NULL;
	*err = swr_init(s);
	if (*err < 0) {
		swr_free(&s);
		return NULL;
	}
	return s;
}

void sm_strerror(int err, char *buf, int size) {
	av_strerror(err, buf, size);
}

int sm_scale(struct SwsContext **sws, const AVFrame *src, AVFrame *dst, int w, int h, int fmt) {
	*sws = sws_getCachedContext(*sws, src->width, src->height, src->format, w, h, fmt, SWS_BICUBIC, NULL, NULL, NULL);
	if (!*sws) return AVERROR(EINVAL);
	dst->width = w;
	dst->height = h;
	dst->format = fmt;
	int ret = av_frame_get_buffer(dst, 0);
	if (ret < 0) return ret;
	ret = sws_scale_frame(*sws, dst, src);
	if (ret < 0) return ret;
	return av_frame_copy_props(dst, src);
}

int sm_resample(SwrContext **swr, const AVFrame *src, AVFrame *dst, int fmt, int rate, int ch) {
	int ret;
	if (!*swr) {
		if (!src) return 0;
		*swr = sm_swr_new(src->format, src->sample_rate, src->ch_layout.nb_channels, fmt, rate, ch, &ret);
		if (!*swr) return ret;
	}
	dst->format = fmt;
	dst->sample_rate = rate;
	av_channel_layout_uninit(&dst->ch_layout);
	av_channel_layout_default(&dst->ch_layout, ch);
	int in = src ? src->nb_samples : 0;
	dst->nb_samples = (int)swr_get_out_samples(*swr, in);
	if (dst->nb_samples <= 0) return 0;
	ret = av_frame_get_buffer(dst, 0);
	if (ret < 0) return ret;
	ret = swr_convert(*swr, dst->extended_data, dst->nb_samples,
		src ? (const uint8_t **)src->extended_data : NULL, in);
	if (ret < 0) return ret;
	dst->nb_samples = ret;
	if (src) av_frame_copy_props(dst, src);
	return 0;
}

// with_buffers gives r.f its buffers, freeing it when that fails.
static sm_new_frame with_buffers(sm_new_frame r) {
	r.err = av_frame_get_buffer(r.f, 0);
	if (r.err < 0) av_frame_free(&r.f);
	return r;
}

sm_new_frame sm_video_frame(int w, int h, int fmt) {
	sm_new_frame r = {av_frame_alloc(), 0};
	if (!r.f) {
		r.err = AVERROR(ENOMEM);
		return r;
	}
	r.f->width = w;
	r.f->height = h;
	r.f->format = fmt;
	return with_buffers(r);
}

sm_new_frame sm_audio_frame(int fmt, int rate, int ch, int samples) {
	sm_new_frame r = {av_frame_alloc(), 0};
	if (!r.f) {
		r.err = AVERROR(ENOMEM);
		return r;
	}
	r.f->format = fmt;
	r.f->sample_rate = rate;
	av_channel_layout_default(&r.f->ch_layout, ch);
	r.f->nb_samples = samples;
	return with_buffers(r);
}

static int sm_interrupt_cb(void *opaque) {
	return __atomic_load_n((int *)opaque, __ATOMIC_RELAXED);
}

void sm_set_interrupt(AVFormatContext *fc, int *flag) {
	fc->interrupt_callback.callback = sm_interrupt_cb;
	fc->interrupt_callback.opaque = flag;
}

void sm_store_flag(int *flag, int v) {
	__atomic_store_n(flag, v, __ATOMIC_RELAXED);
}

int sm_open_output(AVFormatContext *fc, const char *url) {
	return avio_open2(&fc->pb, url, AVIO_FLAG_WRITE, &fc->interrupt_callback, NULL);
}

void sm_frame_free(AVFrame *f) { av_frame_free(&f); }
void sm_packet_free(AVPacket *p) { av_packet_free(&p); }

// The capture buffer of the calling thread, while a *_logged call runs.
static __thread char *sm_cap_buf;
static __thread int sm_cap_size, sm_cap_len;

static void sm_log_cb(void *avcl, int level, const char *fmt, va_list vl) {
	if (sm_cap_buf && level <= AV_LOG_WARNING && sm_cap_len < sm_cap_size - 1) {
		va_list copy;
		va_copy(copy, vl);
		int n = vsnprintf(sm_cap_buf + sm_cap_len, sm_cap_size - sm_cap_len, fmt, copy);
		va_end(copy);
		if (n > 0) {
			sm_cap_len += n;
			if (sm_cap_len > sm_cap_size - 1) sm_cap_len = sm_cap_size - 1;
			sm_cap_buf[sm_cap_len] = 0;
		}
	}
	av_log_default_callback(avcl, level, fmt, vl);
}

void sm_log_install(void) { av_log_set_callback(sm_log_cb); }

static void sm_capture(char *log, int size) {
	// Another library may have taken FFmpeg's log since (GStreamer's libav
	// plugin does, when it loads): take it back.
	if (log) av_log_set_callback(sm_log_cb);
	sm_cap_buf = log;
	sm_cap_size = size;
	sm_cap_len = 0;
	if (log && size > 0) log[0] = 0;
}

int sm_codec_open_logged(AVCodecContext *c, const AVCodec *codec, AVDictionary **opts, char *log, int size) {
	sm_capture(log, size);
	int ret = avcodec_open2(c, codec, opts);
	sm_capture(NULL, 0);
	return ret;
}

int sm_codec_check_options_logged(const AVCodec *codec, AVDictionary **opts, char *log, int size) {
	AVCodecContext *c = avcodec_alloc_context3(codec);
	if (!c) return AVERROR(ENOMEM);
	sm_capture(log, size);
	int ret = 0;
	if (codec->priv_class && c->priv_data) ret = av_opt_set_dict(c->priv_data, opts);
	if (ret >= 0) ret = av_opt_set_dict(c, opts);
	sm_capture(NULL, 0);
	avcodec_free_context(&c);
	return ret;
}

size_t sm_params_size(void) { return sizeof(AVCodecParameters); }

int sm_params_map_size(const AVCodecParameters *p) {
	if (p->ch_layout.order != AV_CHANNEL_ORDER_CUSTOM || p->ch_layout.u.map == NULL)
		return 0;
	return p->ch_layout.nb_channels * (int)sizeof(AVChannelCustom);
}

const void *sm_params_map(const AVCodecParameters *p) { return p->ch_layout.u.map; }

AVCodecParameters *sm_params_restore(const void *raw, const uint8_t *extra, int extra_size, const void *map, int map_size) {
	AVCodecParameters *p = avcodec_parameters_alloc();
	if (p == NULL)
		return NULL;
	AVCodecParameters tmp;
	memcpy(&tmp, raw, sizeof tmp);
	// The pointers in the copy point at memory long freed: replace them.
	tmp.extradata = NULL;
	tmp.extradata_size = 0;
	int custom = tmp.ch_layout.order == AV_CHANNEL_ORDER_CUSTOM;
	if (custom)
		tmp.ch_layout.u.map = NULL;
	*p = tmp;
	if (extra_size > 0) {
		p->extradata = av_mallocz(extra_size + AV_INPUT_BUFFER_PADDING_SIZE);
		if (p->extradata == NULL) {
			avcodec_parameters_free(&p);
			return NULL;
		}
		memcpy(p->extradata, extra, extra_size);
		p->extradata_size = extra_size;
	}
	if (custom) {
		int n = p->ch_layout.nb_channels;
		if (map_size > 0) {
			p->ch_layout.u.map = av_malloc(map_size);
			if (p->ch_layout.u.map == NULL) {
				avcodec_parameters_free(&p);
				return NULL;
			}
			memcpy(p->ch_layout.u.map, map, map_size);
		} else {
			av_channel_layout_default(&p->ch_layout, n);
		}
	}
	return p;
}

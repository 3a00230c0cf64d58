// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
//
// Small C helpers for the per-frame path of package ffmpeg: AVPackets and
// AVFrames are handled through raw pointers with explicit references.

#ifndef STREAMER_FFMPEG_SHIM_H
#define STREAMER_FFMPEG_SHIM_H

#include <stdint.h>
#include <stdlib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libavutil/channel_layout.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

// Bytes of each plane of a video frame (linesize * rows); returns the number
// of planes, or a negative AVERROR.
int sm_video_plane_sizes(const AVFrame *f, int64_t sizes[4]);

// Allocate a new packet holding a padded copy of size bytes from data.
AVPacket *sm_packet_copy(const uint8_t *data, int size);

// A rescale of ts from tb to nanoseconds and back.
int64_t sm_to_ns(int64_t ts, int num, int den);
int64_t sm_from_ns(int64_t ns, int num, int den);

// Set a frame's channel layout to the default one for n channels.
void sm_frame_default_layout(AVFrame *f, int n);
void sm_ctx_default_layout(AVCodecContext *c, int n);
void sm_par_default_layout(AVCodecParameters *p, int n);

// A resampler from one sample format/rate/channels to another.
SwrContext *sm_swr_new(int in_fmt, int in_rate, int in_ch, int out_fmt, int out_rate, int out_ch, int *err);

// Convert src into a new buffer of dst (w x h, pixel format fmt) with a
// cached swscale context; copies src's properties (pts, ...).
int sm_scale(struct SwsContext **sws, const AVFrame *src, AVFrame *dst, int w, int h, int fmt);

// Convert src's samples into dst (format fmt, rate, ch channels); dst's
// buffer is allocated. src NULL flushes.
int sm_resample(SwrContext **swr, const AVFrame *src, AVFrame *dst, int fmt, int rate, int ch);

// A new frame with buffers for a raw video or audio frame, or NULL and the
// AVERROR in err. Returned by value: a Go local whose address is passed to
// C escapes to the heap, one allocation per frame.
typedef struct {
	AVFrame *f;
	int err;
} sm_new_frame;
sm_new_frame sm_video_frame(int w, int h, int fmt);
sm_new_frame sm_audio_frame(int fmt, int rate, int ch, int samples);

// An interrupt flag in C memory for a format context's interrupt callback:
// set from any goroutine, read by FFmpeg while it blocks on I/O.
void sm_set_interrupt(AVFormatContext *fc, int *flag);
void sm_store_flag(int *flag, int v);

// Open fc->pb for writing url, interruptible by fc's interrupt callback.
int sm_open_output(AVFormatContext *fc, const char *url);

// Error text of an AVERROR, in buf.
void sm_strerror(int err, char *buf, int size);

// Install the package's log callback: FFmpeg's default one, plus the
// capture of warnings and errors logged on the calling thread while one of
// the *_logged calls below runs (each installs it again first).
void sm_log_install(void);

// avcodec_open2, with what it logs (warnings and errors, one message a
// line) written to log (size bytes, NUL-terminated).
int sm_codec_open_logged(AVCodecContext *c, const AVCodec *codec, AVDictionary **opts, char *log, int size);

// Apply opts to a throwaway context of codec as avcodec_open2 does (the
// private options first, then the generic ones), without opening it: the
// entries no option takes are left in *opts, a value refused fails with
// what FFmpeg logged in log.
int sm_codec_check_options_logged(const AVCodec *codec, AVDictionary **opts, char *log, int size);

#endif

// Free by value: a Go local whose address is passed to C escapes to the
// heap, which on the per-frame path is an allocation a frame.
void sm_frame_free(AVFrame *f);
void sm_packet_free(AVPacket *p);

// Codec parameters kept in Go memory (see params.go): the struct's bytes
// with its pointers' targets copied beside it, and a new AVCodecParameters
// made from them.
size_t sm_params_size(void);
int sm_params_map_size(const AVCodecParameters *p);
const void *sm_params_map(const AVCodecParameters *p);
AVCodecParameters *sm_params_restore(const void *raw, const uint8_t *extra, int extra_size, const void *map, int map_size);

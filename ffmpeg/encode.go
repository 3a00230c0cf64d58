// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Encoder is a transform from raw frames to encoded frames: video with
// libx264 (H264), libx265 (H265), libvpx (VP8, VP9) or an AV1 encoder
// (libsvtav1, libaom-av1 or librav1e, the first this FFmpeg has), audio with
// aac (AAC) or libopus (Opus), or any FFmpeg encoder named by Codec.
//
// It opens the encoder on the first frame, with that frame's size and
// format; later frames of another size or format are scaled to it. Frames from ffmpeg stages are passed by reference; CPU frames of
// other backends (stage.Pattern, gst) are copied once into an AVFrame,
// counted by frame.CopiedBytes. A pixel format the encoder does not take is
// converted by swscale to the encoder's first format; audio is converted
// (swresample) to a sample format and rate the encoder takes and cut into
// frames of the encoder's frame size (1024 for AAC, 960 for Opus), the last
// one padded with silence.
//
// Output frames carry the AVPacket (FrameData) and a Codec whose Extradata
// is the encoder's (SPS/PPS as avcC with GlobalHeader, AudioSpecificConfig,
// OpusHead). At the end of input the encoder is flushed, so every delayed
// frame comes out before Run returns.
//
// Validate checks the encoder and its options before the first frame. An
// encoder that refuses to open fails Run with what FFmpeg logged about it
// ("Error setting option deadline to value veryfast.") in the error.
type Encoder[T frame.Frame] struct {
	// Format is the codec to encode to (H264, H265, VP8, VP9, AV1, AAC,
	// Opus); it picks the encoder unless Codec names one.
	Format frame.Format
	// Codec names an FFmpeg encoder ("libx264", "libvpx-vp9", ...).
	Codec string
	// BitRate is the target in bits per second; 0 leaves the encoder's
	// default (or CRF) in charge.
	BitRate int64
	// CRF is the constant rate factor (libx264/libx265/libvpx/AV1); 0
	// leaves it unset (use Options{"crf": "0"} for lossless).
	CRF int
	// GOP is the most frames between keyframes; 0 is the encoder's default.
	GOP int
	// Preset and Tune are the encoder's presets ("ultrafast", "zerolatency";
	// for libvpx Preset sets "deadline", for libsvtav1 a number).
	Preset, Tune string
	// Threads is the encoder's thread count; 0 picks one per core.
	Threads int
	// GlobalHeader puts codec headers in Codec.Extradata rather than in the
	// stream, as MP4, MKV and WebM want (set it when muxing to them).
	GlobalHeader bool
	// FrameRate of the video; by default it is taken from the first
	// frame's Duration (30 fps when it has none).
	FrameRate frame.Rational
	// SampleRate and Channels of encoded audio; 0 keeps the input's
	// (SampleRate: the nearest the encoder takes, as Opus takes 48 kHz).
	SampleRate, Channels int
	// Options are further encoder options (av_dict), e.g. {"x264-params": "..."}.
	Options map[string]string
}

// NewVideoEncoder returns a video encoder to format f.
func NewVideoEncoder(f frame.Format) *Encoder[frame.Video] { return &Encoder[frame.Video]{Format: f} }

// NewAudioEncoder returns an audio encoder to format f.
func NewAudioEncoder(f frame.Format) *Encoder[frame.Audio] { return &Encoder[frame.Audio]{Format: f} }

// Name returns "ffmpeg-encoder".
func (*Encoder[T]) Name() string { return "ffmpeg-encoder" }

// defaultEncoders are tried in order for each format.
var defaultEncoders = map[frame.Format][]string{ //nolint:gochecknoglobals // a table, never written
	frame.H264: {"libx264"}, frame.H265: {"libx265"}, frame.VP8: {"libvpx"}, frame.VP9: {"libvpx-vp9"},
	frame.AV1: {"libsvtav1", "libaom-av1", "librav1e"}, frame.AAC: {"aac"}, frame.Opus: {"libopus", "opus"},
	frame.MJPEG: {"mjpeg"}, frame.MP3: {"libmp3lame"},
}

// FindEncoder returns the name of the encoder an Encoder of format f uses,
// or an error naming the encoders this FFmpeg lacks.
func FindEncoder(f frame.Format) (string, error) {
	names := defaultEncoders[f]
	for _, n := range names {
		if astiav.FindEncoderByName(n) != nil {
			return n, nil
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("ffmpeg: no encoder for %v", f)
	}
	return "", fmt.Errorf("ffmpeg: no %v encoder in this FFmpeg (tried %v): %w", f, names, astiav.ErrEncoderNotFound)
}

// encoderName returns the FFmpeg encoder enc uses: Codec, or the first of
// Format's encoders this FFmpeg has.
func (enc *Encoder[T]) encoderName() (string, *astiav.Codec, error) {
	name := enc.Codec
	if name == "" {
		var err error
		if name, err = FindEncoder(enc.Format); err != nil {
			return "", nil, err
		}
	}
	codec := astiav.FindEncoderByName(name)
	if codec == nil {
		return "", nil, fmt.Errorf("ffmpeg: encoder %q is not in this FFmpeg: %w", name, astiav.ErrEncoderNotFound)
	}
	return name, codec, nil
}

// options returns the encoder options (av_dict) of enc for the encoder
// called name: CRF, Preset, Tune and Options. The caller frees it.
func (enc *Encoder[T]) options(name string) (*astiav.Dictionary, error) {
	dict := astiav.NewDictionary()
	set := func(k, v string) error {
		if err := setOption(dict, k, v); err != nil {
			return fmt.Errorf("ffmpeg: encoder %s %w", name, err)
		}
		return nil
	}
	var err error
	if enc.CRF > 0 {
		err = set("crf", strconv.Itoa(enc.CRF))
	}
	if enc.Preset != "" && err == nil {
		k := "preset"
		if name == "libvpx" || name == "libvpx-vp9" {
			k = "deadline"
		}
		err = set(k, enc.Preset)
	}
	if enc.Tune != "" && err == nil {
		err = set("tune", enc.Tune)
	}
	for k, v := range enc.Options {
		if err == nil {
			err = set(k, v)
		}
	}
	if err != nil {
		dict.Free()
		return nil, err
	}
	return dict, nil
}

// Validate checks, without opening it, what can be checked before the
// first frame: the encoder is in this FFmpeg and takes every option (CRF,
// Preset, Tune, Options) with its value. An option it refuses fails with
// FFmpeg's own words ("Unable to parse option value ..."), an option it does
// not have as unknown. Sizes, formats and combinations the encoder checks
// only when it opens are reported by Run, with what FFmpeg logged.
func (enc *Encoder[T]) Validate() error {
	name, codec, err := enc.encoderName()
	if err != nil {
		return err
	}
	dict, err := enc.options(name)
	if err != nil {
		return err
	}
	defer dict.Free()
	log := newLogBuf()
	defer log.free()
	if ret := C.sm_codec_check_options_logged((*C.AVCodec)(cptr(codec)), dictRef(dict), log.p, log.size); ret < 0 {
		return fmt.Errorf("ffmpeg: encoder %s: options: %w", name, withLog(avErr(ret), log.text()))
	}
	if left := dict.Get("", nil, astiav.DictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); left != nil {
		return fmt.Errorf("ffmpeg: encoder %s: unknown option %q", name, left.Key())
	}
	return nil
}

// encoder is the state of one Encoder run.
type encoder[T frame.Frame] struct {
	codecState // conv: audio as the encoder takes it, cut to its frame size
	cfg        *Encoder[T]
	pixFmt     C.int // video: what the encoder takes
	lastPTS    int64
	samples    int64         // audio: samples sent to the encoder
	start      time.Duration // audio: PTS of the first input frame
	frameD     time.Duration // video: one frame
}

// open opens the encoder for the first frame f, lasting dur.
func (e *encoder[T]) open(f *C.AVFrame, dur time.Duration) error {
	name, codec, err := e.cfg.encoderName()
	if err != nil {
		return err
	}
	e.name = name
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return fmt.Errorf("ffmpeg: encoder %s: out of memory", name)
	}
	e.cc, e.c = cc, codecCtx(cc)
	video := f.width > 0
	if video {
		e.setVideo(codec, f, dur)
	} else {
		e.setAudio(codec, f)
	}
	if e.cfg.BitRate > 0 {
		cc.SetBitRate(e.cfg.BitRate)
	}
	cc.SetThreadCount(e.cfg.Threads)
	if e.cfg.GlobalHeader {
		cc.SetFlags(cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	if err := e.openCodec(codec, f); err != nil {
		return err
	}
	if fs := cc.FrameSize(); !video && fs > 0 && (*C.AVCodec)(cptr(codec)).capabilities&C.AV_CODEC_CAP_VARIABLE_FRAME_SIZE == 0 {
		if err := e.conv.cut(fs, true); err != nil {
			return fmt.Errorf("ffmpeg: encoder %s: %w", name, err)
		}
	}
	return e.describeOutput(codec)
}

// setVideo sets the codec context up for video frames like f: its size,
// the first pixel format the encoder takes unless it takes f's, and the
// frame rate (FrameRate, else guessed from dur).
func (e *encoder[T]) setVideo(codec *astiav.Codec, f *C.AVFrame, dur time.Duration) {
	cc := e.cc
	e.pixFmt = f.format
	if pfs := codec.PixelFormats(); len(pfs) > 0 && !slices.Contains(pfs, astiav.PixelFormat(f.format)) {
		e.pixFmt = C.int(pfs[0])
	}
	fr := e.cfg.FrameRate
	if fr.Num <= 0 || fr.Den <= 0 {
		fr = frame.RateOf(dur)
		if fr.Num == 0 { // unknown duration: a common rate to plan for
			fr = frame.Rational{Num: 30, Den: 1}
		}
	}
	// A 90 kHz time base, as MPEG uses, rather than 1/fps: variable
	// frame rate input keeps its timestamps (the frame rate is set
	// apart, for rate control).
	e.tb = frame.Rational{Num: 1, Den: 90000}
	e.frameD = frame.DurationOf(fr)
	cc.SetWidth(int(f.width))
	cc.SetHeight(int(f.height))
	cc.SetPixelFormat(astiav.PixelFormat(e.pixFmt))
	cc.SetTimeBase(avRat(e.tb))
	cc.SetFramerate(avRat(fr))
	cc.SetSampleAspectRatio(astiav.NewRational(1, 1))
	if e.cfg.GOP > 0 {
		cc.SetGopSize(e.cfg.GOP)
	}
}

// setAudio sets the codec context up for audio frames like f: the first
// sample format the encoder takes unless it takes f's, SampleRate and
// Channels (default: f's), the rate moved to the first the encoder takes
// when it lists some and not this one.
func (e *encoder[T]) setAudio(codec *astiav.Codec, f *C.AVFrame) {
	a := &e.conv
	a.sf = f.format
	if sfs := codec.SampleFormats(); len(sfs) > 0 && !slices.Contains(sfs, astiav.SampleFormat(f.format)) {
		a.sf = C.int(sfs[0])
	}
	a.rate, a.ch = int(f.sample_rate), int(f.ch_layout.nb_channels)
	if e.cfg.SampleRate > 0 {
		a.rate = e.cfg.SampleRate
	}
	if e.cfg.Channels > 0 {
		a.ch = e.cfg.Channels
	}
	if rates := codecRates(codec); len(rates) > 0 && !slices.Contains(rates, a.rate) {
		a.rate = rates[0]
	}
	e.tb = frame.Rational{Num: 1, Den: a.rate}
	e.cc.SetSampleFormat(astiav.SampleFormat(a.sf))
	e.cc.SetSampleRate(a.rate)
	C.sm_ctx_default_layout(e.c, C.int(a.ch))
	e.cc.SetTimeBase(avRat(e.tb))
}

// openCodec opens the codec context with the options of the Encoder; its
// errors carry what FFmpeg logged, and f's description.
func (e *encoder[T]) openCodec(codec *astiav.Codec, f *C.AVFrame) error {
	dict, err := e.cfg.options(e.name)
	if err != nil {
		return err
	}
	defer dict.Free()
	if e.cfg.CRF > 0 && e.cfg.BitRate == 0 && (e.name == "libvpx" || e.name == "libvpx-vp9") {
		e.cc.SetBitRate(0)
	}
	log := newLogBuf()
	defer log.free()
	if ret := C.sm_codec_open_logged(e.c, (*C.AVCodec)(cptr(codec)), dictRef(dict), log.p, log.size); ret < 0 {
		return fmt.Errorf("ffmpeg: encoder %s: open (%s): %w", e.name, e.describe(f), withLog(avErr(ret), log.text()))
	}
	if left := dict.Get("", nil, astiav.DictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); left != nil {
		return fmt.Errorf("ffmpeg: encoder %s: unknown option %q", e.name, left.Key())
	}
	return nil
}

// describeOutput sets e.codec, the description of the stream the opened
// encoder makes, with its FFmpeg parameters remembered.
func (e *encoder[T]) describeOutput(codec *astiav.Codec) error {
	c := &frame.Codec{
		Format:   formatOfCodec(codec.ID()),
		TimeBase: e.tb,
		BitRate:  e.cfg.BitRate,
	}
	if e.c.width > 0 {
		c.Width, c.Height = int(e.c.width), int(e.c.height)
		c.FrameRate = rat(e.cc.Framerate())
	} else {
		c.SampleRate, c.Channels = e.conv.rate, e.conv.ch
	}
	if p := C.avcodec_profile_name(e.c.codec_id, e.c.profile); p != nil {
		c.Profile = C.GoString(p)
	}
	if e.c.extradata_size > 0 {
		c.Extradata = C.GoBytes(unsafe.Pointer(e.c.extradata), e.c.extradata_size)
	}
	par := C.avcodec_parameters_alloc()
	if par == nil {
		return fmt.Errorf("ffmpeg: encoder %s: out of memory", e.name)
	}
	if err := avErr(C.avcodec_parameters_from_context(par, e.c)); err != nil {
		C.avcodec_parameters_free(&par)
		return fmt.Errorf("ffmpeg: encoder %s: codec parameters: %w", e.name, err)
	}
	rememberParams(c, par)
	e.codec = c
	return nil
}

func (e *encoder[T]) describe(f *C.AVFrame) string {
	if f.width > 0 {
		return fmt.Sprintf("%dx%d %s", f.width, f.height, pixFmtName(e.pixFmt))
	}
	return fmt.Sprintf("%s %d Hz %d channels", astiav.SampleFormat(e.conv.sf).Name(), e.conv.rate, e.conv.ch)
}

// Run encodes until the end of input, flushes the encoder and returns nil,
// or returns the first error.
func (enc *Encoder[T]) Run(ctx context.Context, in stage.In[T], out stage.Out[T]) error {
	e := &encoder[T]{cfg: enc, lastPTS: noPTS}
	defer e.close()
	for {
		v, ok := recv(ctx, in)
		if !ok {
			break
		}
		var f *C.AVFrame
		var err error
		var pts, dur time.Duration
		switch x := any(v).(type) {
		case frame.Video:
			pts, dur = x.PTS, x.Duration
			f, err = videoFrameOf(ctx, x)
		case frame.Audio:
			pts, dur = x.PTS, x.Duration
			f, err = audioFrameOf(ctx, x)
		}
		v.Release()
		if err != nil {
			return fmt.Errorf("ffmpeg: encoder: %w", err)
		}
		if e.cc == nil {
			if err := e.open(f, dur); err != nil {
				C.sm_frame_free(f)
				return err
			}
			e.start = pts
		}
		if err := e.encode(ctx, f, pts, out); err != nil {
			return err
		}
	}
	if ctx.Err() != nil || e.cc == nil {
		return ctx.Err()
	}
	return e.flush(ctx, out)
}

// flush sends the samples still held for the frame cutter, then drains the
// encoder.
func (e *encoder[T]) flush(ctx context.Context, out stage.Out[T]) error {
	if e.conv.fifo != nil {
		if e.conv.swr != nil {
			if g, err := e.conv.convert(nil); err == nil {
				if err := e.conv.push(g); err != nil {
					return fmt.Errorf("ffmpeg: encoder %s: %w", e.name, err)
				}
			}
		}
		if err := e.drainFIFO(ctx, out, true); err != nil {
			return err
		}
	}
	if ret := C.avcodec_send_frame(e.c, nil); ret < 0 {
		return fmt.Errorf("ffmpeg: encoder %s: flush: %w", e.name, avErr(ret))
	}
	return e.receive(ctx, out)
}

// encode takes over f, converts it as the encoder needs and sends it.
func (e *encoder[T]) encode(ctx context.Context, f *C.AVFrame, pts time.Duration, out stage.Out[T]) error {
	if f.width > 0 {
		if f.format != e.pixFmt || f.width != e.c.width || f.height != e.c.height {
			var err error
			if f, err = e.sws.scale(f, e.c.width, e.c.height, e.pixFmt); err != nil {
				return fmt.Errorf("ffmpeg: encoder %s: convert to %s: %w", e.name, pixFmtName(e.pixFmt), err)
			}
		}
		ts := fromDur(pts, e.tb)
		if e.lastPTS != noPTS && ts <= e.lastPTS {
			ts = e.lastPTS + 1
		}
		e.lastPTS = ts
		f.pts = C.int64_t(ts)
		f.pict_type = C.AV_PICTURE_TYPE_NONE
		return e.send(ctx, f, out)
	}
	if e.conv.converts(f) {
		var err error
		if f, err = e.conv.convert(f); err != nil {
			return fmt.Errorf("ffmpeg: encoder %s: convert audio: %w", e.name, err)
		}
	}
	if e.conv.fifo == nil {
		f.pts = C.int64_t(fromDur(e.start, e.tb) + e.samples)
		e.samples += int64(f.nb_samples)
		return e.send(ctx, f, out)
	}
	if err := e.conv.push(f); err != nil {
		return fmt.Errorf("ffmpeg: encoder %s: %w", e.name, err)
	}
	return e.drainFIFO(ctx, out, false)
}

// drainFIFO sends whole encoder frames from the FIFO; at the end it sends
// the rest, padded with silence.
func (e *encoder[T]) drainFIFO(ctx context.Context, out stage.Out[T], end bool) error {
	for {
		f, err := e.conv.pop(end)
		if err != nil {
			return fmt.Errorf("ffmpeg: encoder %s: %w", e.name, err)
		}
		if f == nil {
			return nil
		}
		f.pts = C.int64_t(fromDur(e.start, e.tb) + e.samples)
		e.samples += int64(f.nb_samples)
		if err := e.send(ctx, f, out); err != nil {
			return err
		}
	}
}

// send takes over f, sends it to the encoder and passes on what comes out.
func (e *encoder[T]) send(ctx context.Context, f *C.AVFrame, out stage.Out[T]) error {
	ret := C.avcodec_send_frame(e.c, f)
	C.sm_frame_free(f)
	if ret < 0 {
		return fmt.Errorf("ffmpeg: encoder %s: %w", e.name, avErr(ret))
	}
	return e.receive(ctx, out)
}

// receive sends every packet the encoder has ready.
func (e *encoder[T]) receive(ctx context.Context, out stage.Out[T]) error {
	for {
		pkt := C.av_packet_alloc()
		if pkt == nil {
			return fmt.Errorf("ffmpeg: encoder %s: out of memory", e.name)
		}
		ret := C.avcodec_receive_packet(e.c, pkt)
		if ret == C.int(astiav.ErrEagain) || ret == C.int(astiav.ErrEof) {
			C.sm_packet_free(pkt)
			return nil
		}
		if ret < 0 {
			C.sm_packet_free(pkt)
			return fmt.Errorf("ffmpeg: encoder %s: %w", e.name, avErr(ret))
		}
		pts, _ := toDur(int64(pkt.pts), e.tb)
		dts, ok := toDur(int64(pkt.dts), e.tb)
		if !ok {
			dts = pts
		}
		dur, _ := toDur(int64(pkt.duration), e.tb)
		key := pkt.flags&C.AV_PKT_FLAG_KEY != 0
		fd := packetData(pkt)
		c := e.codec
		var v T
		switch p := any(&v).(type) {
		case *frame.Video:
			if dur <= 0 {
				dur = e.frameD
			}
			*p = frame.Video{Data: fd, Format: c.Format, Width: c.Width, Height: c.Height, Codec: c,
				PTS: pts, DTS: dts, Duration: dur, Keyframe: key}
		case *frame.Audio:
			*p = frame.Audio{Data: fd, Format: c.Format, Rate: c.SampleRate, Channels: c.Channels, Codec: c,
				PTS: pts, DTS: dts, Duration: dur, Keyframe: key}
		}
		if !out.Send(v) {
			return ctx.Err()
		}
	}
}

// codecRates returns the sample rates codec takes; nil when it takes any.
func codecRates(codec *astiav.Codec) []int {
	var rates []int
	if p := (*C.AVCodec)(cptr(codec)).supported_samplerates; p != nil {
		for _, r := range unsafe.Slice(p, 64) {
			if r == 0 {
				break
			}
			rates = append(rates, int(r))
		}
	}
	return rates
}

// codecExperimental reports whether FFmpeg marks codec experimental: it
// opens only with the option strict=experimental.
func codecExperimental(codec *astiav.Codec) bool {
	return (*C.AVCodec)(cptr(codec)).capabilities&C.AV_CODEC_CAP_EXPERIMENTAL != 0
}

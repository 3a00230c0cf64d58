// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Decoder is a transform from encoded frames to raw frames: video (H264,
// H265, VP8, VP9, AV1, MJPEG and any codec a Demux reads) or audio (AAC,
// Opus, MP3, ...). It opens the decoder from the first frame's Codec
// (format, size, extradata, sample rate, channels), so frames of any
// backend decode; frames from an ffmpeg Demux are passed by reference,
// others copied once into a padded packet (counted by frame.CopiedBytes).
// Frames of a Demux or Encoder of this package carry FFmpeg's full codec
// parameters with their Codec, so any codec FFmpeg decodes works from them.
// A change of stream mid-run (frames with another Codec) is not supported:
// the decoder stays configured for the first.
//
// Raw video comes out as the decoder's pixel format when streamer has a
// Format for it (I420, NV12, I422, I444, ...), else converted by swscale
// to I420; set Format to always convert to one format. Raw audio comes out
// as S16, S16P, F32 or F32P, other sample formats converted to F32P. Output
// frames carry the AVFrame itself (FrameData).
//
// At the end of input the decoder is drained, so delayed frames (B-frames,
// frame threads) come out before Run returns.
type Decoder[T frame.Frame] struct {
	// Threads is the decoder's thread count; 0 picks one per core, as the
	// ffmpeg CLI does.
	Threads int
	// Format, when set, is the raw format every output frame is converted to.
	Format frame.Format
	// SkipErrors keeps decoding past packets the decoder rejects, as the
	// ffmpeg CLI does; by default the first one ends the stage: the frames
	// decoded before it go out, then the error (through stage.AfterDrain,
	// so the stages downstream finish them too).
	SkipErrors bool
	// Options are decoder options (av_dict).
	Options map[string]string
}

// NewVideoDecoder returns a video decoder with default settings.
func NewVideoDecoder() *Decoder[frame.Video] { return &Decoder[frame.Video]{} }

// NewAudioDecoder returns an audio decoder with default settings.
func NewAudioDecoder() *Decoder[frame.Audio] { return &Decoder[frame.Audio]{} }

// Name returns "ffmpeg-decoder".
func (*Decoder[T]) Name() string { return "ffmpeg-decoder" }

// decoder is the state of one run.
type decoder[T frame.Frame] struct {
	codecState // conv: the sample converter, once one is needed
	cfg        *Decoder[T]
	recv       *C.AVFrame
	errs       int
	rate       int           // audio: samples per second
	next       time.Duration // end of the last frame, for frames without a timestamp
	nFrame     int
}

func (d *decoder[T]) close() {
	d.codecState.close()
	if d.recv != nil {
		C.av_frame_free(&d.recv)
	}
}

// open opens the decoder for c.
func (d *decoder[T]) open(c *frame.Codec) error {
	id, ok := codecIDOf(c)
	if !ok {
		return fmt.Errorf("ffmpeg: decoder: no FFmpeg codec for %v", c.Format)
	}
	codec := astiav.FindDecoder(id)
	if codec == nil && id == astiav.CodecIDNone {
		return fmt.Errorf("ffmpeg: decoder: the input's codec is unknown to FFmpeg (its container names a codec FFmpeg has no ID for): %w", astiav.ErrDecoderNotFound)
	}
	if codec == nil {
		return fmt.Errorf("ffmpeg: decoder: no %s decoder in this FFmpeg: %w", id.Name(), astiav.ErrDecoderNotFound)
	}
	d.name = codec.Name()
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return fmt.Errorf("ffmpeg: decoder %s: out of memory", d.name)
	}
	d.cc, d.c, d.codec = cc, codecCtx(cc), c
	d.tb = c.TimeBase
	if d.tb.Num <= 0 || d.tb.Den <= 0 {
		d.tb = frame.Rational{Num: 1, Den: 1_000_000}
	}
	d.c.pkt_timebase = cRat(d.tb)
	d.c.time_base = cRat(d.tb)
	if c.Width > 0 {
		cc.SetWidth(c.Width)
		cc.SetHeight(c.Height)
	}
	if c.SampleRate > 0 {
		cc.SetSampleRate(c.SampleRate)
		d.rate = c.SampleRate
	}
	if par := paramsOf(c); par != nil {
		// A stream of an ffmpeg Demux or Encoder: its exact parameters.
		ret := C.avcodec_parameters_to_context(d.c, par)
		C.avcodec_parameters_free(&par)
		if ret < 0 {
			return fmt.Errorf("ffmpeg: decoder %s: codec parameters: %w", d.name, avErr(ret))
		}
	} else {
		if c.Channels > 0 {
			C.sm_ctx_default_layout(d.c, C.int(c.Channels))
		}
		if len(c.Extradata) > 0 {
			if err := cc.SetExtraData(c.Extradata); err != nil {
				return fmt.Errorf("ffmpeg: decoder %s: extradata: %w", d.name, err)
			}
		}
	}
	cc.SetThreadCount(d.cfg.Threads)
	dict, err := newOptions(d.cfg.Options)
	if err != nil {
		return fmt.Errorf("ffmpeg: decoder %s %w", d.name, err)
	}
	defer dict.Free()
	if err := cc.Open(codec, dict); err != nil {
		return fmt.Errorf("ffmpeg: decoder %s: open: %w", d.name, err)
	}
	if d.recv = C.av_frame_alloc(); d.recv == nil {
		return fmt.Errorf("ffmpeg: decoder %s: out of memory", d.name)
	}
	return nil
}

// Run decodes until the end of input, drains the decoder and returns nil,
// or returns the first error (after the frames decoded before it).
func (dec *Decoder[T]) Run(ctx context.Context, in stage.In[T], out stage.Out[T]) error {
	d := &decoder[T]{cfg: dec}
	defer d.close()
	for {
		v, ok := recv(ctx, in)
		if !ok {
			break
		}
		if err := d.decode(ctx, v, out); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if d.cc == nil {
		return nil
	}
	return d.drain(ctx, out)
}

// encodedOf returns what a packet is made of from the encoded frame v; a
// nil Codec when v is not encoded.
func encodedOf[T frame.Frame](v T) (data frame.Data, c *frame.Codec, pts, dts time.Duration, key bool) {
	switch f := any(v).(type) {
	case frame.Video:
		data, c, pts, dts, key = f.Data, f.Codec, f.PTS, f.DTS, f.Keyframe
		if c == nil && f.Format.IsEncoded() {
			c = &frame.Codec{Format: f.Format, Width: f.Width, Height: f.Height}
		}
	case frame.Audio:
		data, c, pts, dts, key = f.Data, f.Codec, f.PTS, f.DTS, f.Keyframe
		if c == nil && f.Format.IsEncoded() {
			c = &frame.Codec{Format: f.Format, SampleRate: f.Rate, Channels: f.Channels}
		}
	}
	return data, c, pts, dts, key
}

// decode takes over v, sends it to the decoder (opened on the first frame)
// and passes on the frames that come out; an error ends the run.
func (d *decoder[T]) decode(ctx context.Context, v T, out stage.Out[T]) error {
	data, c, pts, dts, key := encodedOf(v)
	if c == nil {
		v.Release()
		return fmt.Errorf("ffmpeg: decoder: %v is not an encoded frame", v)
	}
	if d.cc == nil {
		if err := d.open(c); err != nil {
			v.Release()
			return err
		}
	}
	pkt, err := packetOf(ctx, data)
	v.Release()
	if err != nil {
		return fmt.Errorf("ffmpeg: decoder %s: %w", d.name, err)
	}
	pkt.pts = C.int64_t(fromDur(pts, d.tb))
	pkt.dts = C.int64_t(fromDur(dts, d.tb))
	if key {
		pkt.flags |= C.AV_PKT_FLAG_KEY
	}
	ret := C.avcodec_send_packet(d.c, pkt)
	C.sm_packet_free(pkt)
	if ret < 0 && ret != C.int(astiav.ErrEagain) {
		if err := d.fail(fmt.Errorf("ffmpeg: decoder %s: packet at %v: %w", d.name, pts, avErr(ret))); err != nil {
			return d.flushAfter(ctx, out, err)
		}
	}
	if err := d.receive(ctx, out); err != nil {
		return d.flushAfter(ctx, out, err)
	}
	return nil
}

// drain sends, at the end of input, the frames the decoder still holds,
// then the samples the sample converter still holds.
func (d *decoder[T]) drain(ctx context.Context, out stage.Out[T]) error {
	C.avcodec_send_packet(d.c, nil)
	if err := d.receive(ctx, out); err != nil {
		return err
	}
	if d.conv.swr == nil {
		return nil
	}
	f, err := d.conv.convert(nil)
	if err != nil {
		return fmt.Errorf("ffmpeg: decoder %s: flush the sample converter: %w", d.name, err)
	}
	if f.nb_samples <= 0 {
		C.sm_frame_free(f)
		return nil
	}
	f.best_effort_timestamp = C.int64_t(fromDur(d.next, d.tb))
	a, err := d.decoded(f)
	if err != nil {
		return err
	}
	if !out.Send(a) {
		return ctx.Err()
	}
	return nil
}

// flushAfter ends a run that failed on err: the frames the decoder still
// holds (decoded before the damage) go out first, and err is returned
// through stage.AfterDrain so the stages downstream finish them too. A
// cancel is returned as it is.
func (d *decoder[T]) flushAfter(ctx context.Context, out stage.Out[T], err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !errors.As(err, new(*decodeError)) { // not about the data: out of memory, a conversion
		return err
	}
	C.avcodec_send_packet(d.c, nil)
	for range 64 { // each failed receive drops one frame the decoder could not finish
		if rerr := d.receive(ctx, out); rerr == nil || ctx.Err() != nil {
			break
		}
	}
	return stage.AfterDrain(err)
}

// fail counts a decoding error: nil when SkipErrors says to go on.
func (d *decoder[T]) fail(err error) error {
	d.errs++
	if d.cfg.SkipErrors {
		return nil
	}
	return &decodeError{err}
}

// decodeError is an error FFmpeg's decoder gave about the data.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// receive sends every frame the decoder has ready.
func (d *decoder[T]) receive(ctx context.Context, out stage.Out[T]) error {
	for {
		ret := C.avcodec_receive_frame(d.c, d.recv)
		switch {
		case ret == C.int(astiav.ErrEagain) || ret == C.int(astiav.ErrEof):
			return nil
		case ret < 0:
			return d.fail(fmt.Errorf("ffmpeg: decoder %s: %w", d.name, avErr(ret)))
		}
		f := d.recv
		if d.recv = C.av_frame_alloc(); d.recv == nil {
			C.sm_frame_free(f)
			return fmt.Errorf("ffmpeg: decoder %s: out of memory", d.name)
		}
		v, err := d.decoded(f)
		if err != nil {
			return err
		}
		d.nFrame++
		if !out.Send(v) {
			return ctx.Err()
		}
	}
}

// times returns a decoded frame's PTS and duration.
func (d *decoder[T]) times(f *C.AVFrame) (time.Duration, time.Duration) {
	pts, ok := toDur(int64(f.best_effort_timestamp), d.tb)
	if !ok {
		pts = d.next
	}
	dur, _ := toDur(int64(f.pkt_duration), d.tb)
	return pts, dur
}

// raw takes over the decoded frame f and returns it in the raw format the
// Decoder gives, with that format: Format when set, else f's own when
// streamer names it, else I420 or F32P; converted when it differs.
func (d *decoder[T]) raw(f *C.AVFrame) (*C.AVFrame, frame.Format, error) {
	video := f.width > 0
	have, def := formatOfSample(astiav.SampleFormat(f.format)), frame.F32P
	if video {
		have, def = formatOfPix(astiav.PixelFormat(f.format)), frame.I420
	}
	want := d.cfg.Format
	if have != frame.FormatUnknown && (want == frame.FormatUnknown || want == have) {
		return f, have, nil
	}
	if want == frame.FormatUnknown {
		want = def
	}
	pf, okP := pixOfFormat(want)
	sf, okS := sampleOfFormat(want)
	if video && !okP || !video && !okS {
		C.sm_frame_free(f)
		return nil, want, fmt.Errorf("ffmpeg: decoder %s: cannot convert to %v", d.name, want)
	}
	from := astiav.SampleFormat(f.format).Name()
	var err error
	if video {
		from = pixFmtName(f.format)
		f, err = d.sws.scale(f, f.width, f.height, C.int(pf))
	} else {
		if d.conv.swr == nil {
			d.conv.sf, d.conv.rate, d.conv.ch = C.int(sf), int(f.sample_rate), int(f.ch_layout.nb_channels)
		}
		f, err = d.conv.convert(f)
	}
	if err != nil {
		return nil, want, fmt.Errorf("ffmpeg: decoder %s: convert %s to %v: %w", d.name, from, want, err)
	}
	return f, want, nil
}

// decoded turns a decoded frame (taken over) into a frame of the Decoder's
// kind, converted to the raw format it gives.
func (d *decoder[T]) decoded(f *C.AVFrame) (T, error) {
	var v T
	pts, dur := d.times(f)
	f, format, err := d.raw(f)
	if err != nil {
		return v, err
	}
	switch p := any(&v).(type) {
	case *frame.Video:
		*p, err = d.video(f, format, pts, dur)
	case *frame.Audio:
		*p = d.audio(f, format, pts)
	}
	return v, err
}

// video turns a raw decoded frame (taken over) of format into a Video.
func (d *decoder[T]) video(f *C.AVFrame, format frame.Format, pts, dur time.Duration) (frame.Video, error) {
	fd, err := videoData(f)
	if err != nil {
		C.sm_frame_free(f)
		return frame.Video{}, err
	}
	if dur <= 0 {
		dur = frame.DurationOf(d.codec.FrameRate)
	}
	d.next = pts + dur
	v := frame.Video{Data: fd, Format: format, Width: int(f.width), Height: int(f.height),
		PTS: pts, DTS: pts, Duration: dur, Keyframe: true}
	for i := range 4 {
		v.Strides[i] = int(f.linesize[i])
	}
	return v, nil
}

// audio turns a raw decoded frame (taken over) of format into an Audio.
func (d *decoder[T]) audio(f *C.AVFrame, format frame.Format, pts time.Duration) frame.Audio {
	rate := int(f.sample_rate)
	if rate <= 0 {
		rate = d.rate
	}
	dur := time.Duration(0)
	if rate > 0 {
		dur = time.Duration(int64(f.nb_samples) * int64(time.Second) / int64(rate))
	}
	d.next = pts + dur
	return frame.Audio{Data: audioData(f), Format: format, Rate: rate, Channels: int(f.ch_layout.nb_channels),
		Samples: int(f.nb_samples), PTS: pts, DTS: pts, Duration: dur, Keyframe: true}
}

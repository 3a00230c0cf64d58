// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"path/filepath"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
)

// muxStream is one output stream.
type muxStream struct {
	st      *astiav.Stream
	index   int
	tb      frame.Rational
	lastDTS int64
	kind    string
}

// output is an open output file.
type output struct {
	fc      *astiav.FormatContext
	opened  bool // fc's pb is ours to close
	intr    *interrupter
	streams [2]*muxStream // video, audio
}

// finish writes the trailer (when the header was written) and frees all.
func (o *output) finish(header bool) error {
	o.intr.unwatch()
	var err error
	if header {
		err = o.fc.WriteTrailer()
	}
	if o.opened {
		if ret := C.avio_closep(&fmtCtx(o.fc).pb); ret < 0 && err == nil {
			err = avErr(ret)
		}
	}
	o.fc.Free()
	o.intr.free()
	return err
}

// create allocates the output context, its streams (v and a, either may be
// nil) and opens the file; vExtra, when set, is the video extradata.
func (m *Mux) create(ctx context.Context, v, a *frame.Codec, vExtra []byte) (*output, error) {
	format := m.format()
	fc, err := astiav.AllocOutputFormatContext(nil, format, m.URL)
	if err != nil || fc == nil {
		if format != "" {
			return nil, fmt.Errorf("ffmpeg: mux %q: format %q: %w", m.URL, format, err)
		}
		return nil, fmt.Errorf("ffmpeg: mux %q: no format for this name (set Mux.Format): %w", m.URL, err)
	}
	o := &output{fc: fc, intr: newInterrupter(fc)}
	o.intr.watch(ctx)
	fail := func(err error) (*output, error) {
		_ = o.finish(false) // err, what made the output fail, is the one to report
		return nil, err
	}
	if v != nil {
		if err := m.addStream(o, 0, v, vExtra); err != nil {
			return fail(err)
		}
	}
	if a != nil {
		if err := m.addStream(o, 1, a, nil); err != nil {
			return fail(err)
		}
	}
	if !fc.OutputFormat().Flags().Has(astiav.IOFormatFlagNofile) {
		if err := openOutput(fmtCtx(fc), m.URL, m.IOOptions); err != nil {
			return fail(fmt.Errorf("ffmpeg: mux: open %q: %w", m.URL, osError(err)))
		}
		o.opened = true
	}
	return o, nil
}

// format is Format, or the muxer for the URL's extension where FFmpeg's
// guess by name would fail.
func (m *Mux) format() string {
	if m.Format != "" {
		return m.Format
	}
	switch filepath.Ext(m.URL) {
	case ".mkv":
		return "matroska"
	case ".ts":
		return "mpegts"
	}
	return ""
}

// addStream adds the stream described by c as o.streams[i] (0: video, 1:
// audio); extra, when set, replaces c's extradata.
func (m *Mux) addStream(o *output, i int, c *frame.Codec, extra []byte) error {
	kind := "video"
	if i == 1 {
		kind = "audio"
	}
	id, ok := codecIDOf(c)
	if !ok {
		return fmt.Errorf("ffmpeg: mux %q: no FFmpeg codec for %s %v", m.URL, kind, c.Format)
	}
	st := o.fc.NewStream(nil)
	if st == nil {
		return fmt.Errorf("ffmpeg: mux %q: out of memory", m.URL)
	}
	cp := (*C.AVCodecParameters)(cptr(st.CodecParameters()))
	if len(extra) == 0 {
		extra = c.Extradata
	}
	if par := paramsOf(c); par != nil {
		// A stream of an ffmpeg Demux or Encoder: its exact parameters.
		ret := C.avcodec_parameters_copy(cp, par)
		C.avcodec_parameters_free(&par)
		if ret < 0 {
			return fmt.Errorf("ffmpeg: mux %q: %s codec parameters: %w", m.URL, kind, avErr(ret))
		}
		cp.codec_tag = 0
		if cp.extradata_size > 0 {
			extra = nil // already there
		}
	} else {
		setParams(cp, id, c, i == 0)
	}
	tb := c.TimeBase
	if i == 0 {
		if tb.Den == 0 {
			tb = frame.Rational{Num: 1, Den: 90000}
		}
		if c.FrameRate.Num > 0 {
			st.SetAvgFrameRate(avRat(c.FrameRate))
		}
	} else if tb.Den == 0 && c.SampleRate > 0 {
		tb = frame.Rational{Num: 1, Den: c.SampleRate}
	}
	if len(extra) > 0 && !setExtradata(cp, extra) {
		return fmt.Errorf("ffmpeg: mux %q: out of memory", m.URL)
	}
	st.SetTimeBase(avRat(tb))
	o.streams[i] = &muxStream{st: st, index: st.Index(), lastDTS: noPTS, kind: kind}
	return nil
}

// setParams describes c in cp, for a stream that comes without FFmpeg's
// own parameters (another backend's encoder).
func setParams(cp *C.AVCodecParameters, id astiav.CodecID, c *frame.Codec, video bool) {
	cp.codec_id = uint32(id)
	if video {
		cp.codec_type = C.AVMEDIA_TYPE_VIDEO
		cp.width, cp.height = C.int(c.Width), C.int(c.Height)
		// Unknown here; 8-bit 4:2:0 is what nearly every stream
		// is, and muxers such as MP4 (vpcC) need one.
		cp.format = C.int(astiav.PixelFormatYuv420P)
	} else {
		cp.codec_type = C.AVMEDIA_TYPE_AUDIO
		cp.sample_rate = C.int(c.SampleRate)
		C.sm_par_default_layout(cp, C.int(c.Channels))
		if c.Format == frame.AAC {
			cp.frame_size = 1024
		}
	}
	cp.bit_rate = C.int64_t(c.BitRate)
}

// setExtradata replaces cp's extradata with a padded copy of extra; false
// when out of memory.
func setExtradata(cp *C.AVCodecParameters, extra []byte) bool {
	C.av_freep(unsafe.Pointer(&cp.extradata))
	cp.extradata_size = 0
	cp.extradata = (*C.uint8_t)(C.av_mallocz(C.size_t(len(extra) + C.AV_INPUT_BUFFER_PADDING_SIZE)))
	if cp.extradata == nil {
		return false
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(cp.extradata)), len(extra)), extra)
	cp.extradata_size = C.int(len(extra))
	return true
}

// WantsGlobalHeader reports whether the muxer for format (or, when format
// is empty, for url's extension) keeps codec headers out of the stream (MP4,
// MKV, WebM, FLV): encoders feeding it should set GlobalHeader.
func WantsGlobalHeader(url, format string) bool {
	var cf, cu *C.char
	if format != "" {
		cf = C.CString(format)
		defer C.free(unsafe.Pointer(cf))
	}
	if url != "" {
		cu = C.CString(url)
		defer C.free(unsafe.Pointer(cu))
	}
	of := C.av_guess_format(cf, cu, nil)
	return of != nil && of.flags&C.AVFMT_GLOBALHEADER != 0
}

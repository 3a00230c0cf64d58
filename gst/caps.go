// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import (
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/spinorml/streamer/codec/h264"
	"github.com/spinorml/streamer/codec/h265"
	"github.com/spinorml/streamer/frame"
)

// Raw formats: streamer's names and GStreamer's.
var rawVideo = map[frame.Format]string{ //nolint:gochecknoglobals // a table: raw video formats and their caps names
	frame.I420: "I420", frame.NV12: "NV12", frame.I422: "Y42B", frame.I444: "Y444",
	frame.YUY2: "YUY2", frame.RGBA: "RGBA", frame.BGRA: "BGRA", frame.GRAY8: "GRAY8",
}

var rawAudio = map[frame.Format]string{ //nolint:gochecknoglobals // a table: raw audio formats and their caps names
	frame.S16: "S16LE", frame.S16P: "S16LE", frame.F32: "F32LE", frame.F32P: "F32LE",
}

// Encoded formats travel self-delimited, so every frame can be decoded (or
// muxed) by any backend without a side channel: H264/H265 as Annex B access
// units with parameter sets in-band, AV1 as OBU temporal units, AAC as ADTS.
var encodedCaps = map[frame.Format]string{ //nolint:gochecknoglobals // a table: encoded formats and their caps
	frame.H264:  "video/x-h264,stream-format=byte-stream,alignment=au",
	frame.H265:  "video/x-h265,stream-format=byte-stream,alignment=au",
	frame.VP8:   "video/x-vp8",
	frame.VP9:   "video/x-vp9",
	frame.AV1:   "video/x-av1,stream-format=obu-stream,alignment=tu",
	frame.MJPEG: "image/jpeg",
	frame.Opus:  "audio/x-opus",
	frame.AAC:   "audio/mpeg,mpegversion=4,stream-format=adts",
	frame.MP3:   "audio/mpeg,mpegversion=1,layer=3",
}

// acceptCaps returns the appsink caps for frames of kind video or audio:
// every raw and encoded layout streamer has a Format for.
func acceptCaps(video bool) string {
	var parts []string
	var names []string
	if video {
		for _, f := range []frame.Format{frame.I420, frame.NV12, frame.I422, frame.I444, frame.YUY2, frame.RGBA, frame.BGRA, frame.GRAY8} {
			names = append(names, rawVideo[f])
		}
		// System memory first, so a pipeline that can give either gives
		// CPU frames; GPU memory when that is all it has (frames then stay
		// VA surfaces or DMA buffers until Planes maps them).
		list := "format=(string){" + strings.Join(names, ",") + "}"
		parts = append(parts, "video/x-raw,"+list, "video/x-raw(memory:VAMemory),"+list, "video/x-raw(memory:DMABuf),"+list)
		for _, f := range []frame.Format{frame.H264, frame.H265, frame.VP8, frame.VP9, frame.AV1, frame.MJPEG} {
			parts = append(parts, encodedCaps[f])
		}
	} else {
		parts = append(parts, "audio/x-raw,format=(string){S16LE,F32LE}")
		for _, f := range []frame.Format{frame.Opus, frame.AAC, frame.MP3} {
			parts = append(parts, encodedCaps[f])
		}
	}
	return strings.Join(parts, ";")
}

// capsInfo is what streamer needs of a stream's caps, parsed once per caps
// change rather than per frame.
type capsInfo struct {
	caps          *C.GstCaps // a reference, to compare by pointer
	format        frame.Format
	width, height int
	rate          int // audio sample rate
	channels      int
	interleaved   bool
	bytesPerFrame int // audio: bytes of one sample of all channels
	nplanes       int
	offsets       [4]int
	strides       [4]int
	size          int // raw video: frame size in GStreamer's default layout
	codec         *frame.Codec
	str           string
}

func (ci *capsInfo) free() {
	if ci != nil && ci.caps != nil {
		C.gst_caps_unref(ci.caps)
		ci.caps = nil
	}
}

// parseCaps reads caps (taking a reference of its own) into a capsInfo.
func parseCaps(caps *C.GstCaps) (*capsInfo, error) {
	var sc C.streamer_caps
	C.streamer_caps_read(caps, &sc)
	ci := &capsInfo{
		width: int(sc.width), height: int(sc.height), rate: int(sc.rate), channels: int(sc.channels),
		interleaved: sc.interleaved != 0, str: goString(C.gst_caps_to_string(caps)),
	}
	name, format := C.GoString(&sc.name[0]), C.GoString(&sc.format[0])
	switch name {
	case "video/x-raw":
		if err := ci.readRawVideo(&sc, format); err != nil {
			return nil, err
		}
	case "audio/x-raw":
		ci.readRawAudio(format)
	default:
		ci.format = encodedFormat(name, int(sc.mpegversion))
	}
	if ci.format == frame.FormatUnknown {
		return nil, fmt.Errorf("gst: caps %s have no streamer format", ci.str)
	}
	if ci.format.IsEncoded() {
		ci.codec = codecOf(&sc, ci)
	}
	ci.caps = C.gst_caps_ref(caps)
	return ci, nil
}

// readRawVideo reads the format and layout of raw video caps; it fails for
// a known format GStreamer gives no layout (sizes that overflow).
func (ci *capsInfo) readRawVideo(sc *C.streamer_caps, format string) error {
	for f, s := range rawVideo {
		if s == format {
			ci.format = f
		}
	}
	ci.nplanes = int(sc.n_planes)
	if ci.nplanes == 0 && ci.format != frame.FormatUnknown {
		// gst_video_info_from_caps refused them.
		return fmt.Errorf("gst: caps %s have no valid raw video layout", ci.str)
	}
	for i := range 4 {
		ci.offsets[i], ci.strides[i] = int(sc.offset[i]), int(sc.stride[i])
	}
	ci.size = int(sc.size)
	return nil
}

// readRawAudio reads the format of raw audio caps: unknown for a sample
// format streamer has not.
func (ci *capsInfo) readRawAudio(format string) {
	switch format {
	case "S16LE":
		ci.format, ci.bytesPerFrame = frame.S16, 2*ci.channels
	case "F32LE":
		ci.format, ci.bytesPerFrame = frame.F32, 4*ci.channels
	default:
		return
	}
	if !ci.interleaved {
		ci.format++ // S16 -> S16P, F32 -> F32P
	}
}

// encodedFormat returns the encoded format whose caps (encodedCaps) have
// structure name, and for audio/mpeg the same mpegversion; unknown for
// none.
func encodedFormat(name string, mpegversion int) frame.Format {
	for f, s := range encodedCaps {
		fields := strings.Split(s, ",")
		if fields[0] != name {
			continue
		}
		if name == "audio/mpeg" && !slices.Contains(fields, "mpegversion="+strconv.Itoa(mpegversion)) {
			continue
		}
		return f
	}
	return frame.FormatUnknown
}

// codecOf describes the encoded stream of caps sc, read into ci.
func codecOf(sc *C.streamer_caps, ci *capsInfo) *frame.Codec {
	c := &frame.Codec{
		Format: ci.format, Profile: C.GoString(&sc.profile[0]),
		Width: ci.width, Height: ci.height, SampleRate: ci.rate, Channels: ci.channels,
		TimeBase: frame.Rational{Num: 1, Den: int(time.Second)},
	}
	if sc.fps_d > 0 {
		c.FrameRate = frame.Rational{Num: int(sc.fps_n), Den: int(sc.fps_d)}
	}
	if lv := C.GoString(&sc.level[0]); lv != "" {
		if f, err := strconv.ParseFloat(lv, 64); err == nil {
			c.Level = int(math.Round(f * 10))
		}
	}
	if sc.codec_data != nil {
		var info C.GstMapInfo
		if C.streamer_buffer_map(sc.codec_data, &info) != 0 {
			c.Extradata = C.GoBytes(unsafe.Pointer(info.data), C.int(info.size))
			C.streamer_buffer_unmap(sc.codec_data, &info)
		}
	}
	return c
}

// capsFor returns the caps string for frames like f.
func capsFor(f facts) (string, error) {
	if s, ok := rawVideo[f.format]; ok {
		// A GPU frame from a gst stage is announced as what it is, so the
		// next element takes it without a download.
		media := "video/x-raw"
		switch f.memory {
		case frame.VASurface:
			media = "video/x-raw(memory:VAMemory)"
		case frame.DMABuf:
			media = "video/x-raw(memory:DMABuf)"
		}
		return fmt.Sprintf("%s,format=%s,width=%d,height=%d,framerate=%s", media, s, f.width, f.height, capsRate(f.dur)), nil
	}
	if s, ok := rawAudio[f.format]; ok {
		layout := "interleaved"
		if f.format.IsPlanarAudio() {
			layout = "non-interleaved"
		}
		return fmt.Sprintf("audio/x-raw,format=%s,layout=%s,rate=%d,channels=%d", s, layout, f.rate, f.channels), nil
	}
	s, ok := encodedCaps[f.format]
	if !ok {
		return "", fmt.Errorf("gst: no caps for format %v", f.format)
	}
	s = withCodecData(s, f)
	if f.format == frame.VP9 {
		// qtmux (GStreamer 1.22) reads chroma-site of VP9 caps without a
		// NULL check and crashes when it is missing; mpeg2 (left-sited) is
		// libvpx's 4:2:0 default, as FFmpeg's vpcC writer assumes.
		s += ",chroma-site=mpeg2"
	}
	if f.format.IsVideo() {
		if f.width > 0 && f.height > 0 {
			s += fmt.Sprintf(",width=%d,height=%d", f.width, f.height)
		}
		return s + ",framerate=" + capsRate(f.dur), nil
	}
	if f.format == frame.Opus {
		s += ",channel-mapping-family=0"
	}
	return s + fmt.Sprintf(",rate=%d,channels=%d", f.rate, f.channels), nil
}

// capsRate is the framerate field for frames lasting d (frame.RateOf), or
// GStreamer's 0/1 (variable) when d is unknown.
func capsRate(d time.Duration) string {
	r := frame.RateOf(d)
	if r.Num == 0 {
		r.Den = 1
	}
	return r.String()
}

// withCodecData adapts the caps of encoded frames that are not
// self-delimited: their Codec carries the stream's configuration record
// (avcC/hvcC for H264/H265 with length-prefixed NAL units, as FFmpeg's MP4
// demuxer gives; AudioSpecificConfig for raw AAC).
func withCodecData(s string, f facts) string {
	if f.codec == nil || len(f.codec.Extradata) == 0 {
		return s
	}
	x := f.codec.Extradata
	data := ",codec_data=(buffer)" + hex.EncodeToString(x)
	switch f.format {
	case frame.H264:
		if h264.IsAVCC(x) { // Annex B extradata starts with a start code
			return "video/x-h264,stream-format=avc,alignment=au" + data
		}
	case frame.H265:
		if h265.IsHVCC(x) {
			return "video/x-h265,stream-format=hvc1,alignment=au" + data
		}
	case frame.AAC:
		return "audio/mpeg,mpegversion=4,stream-format=raw" + data
	}
	return s
}

// parseCapsString reads a caps string as streamer reads negotiated caps. It
// reports false when GStreamer does not parse it or the caps are not fixed
// (streamer only ever reads negotiated caps). The fuzz target uses it.
func parseCapsString(s string) (*capsInfo, bool, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, false, nil
	}
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	caps := C.gst_caps_from_string(cs)
	if caps == nil {
		return nil, false, nil
	}
	defer C.gst_caps_unref(caps)
	if C.gst_caps_is_fixed(caps) == 0 {
		return nil, false, nil
	}
	ci, err := parseCaps(caps)
	return ci, true, err
}

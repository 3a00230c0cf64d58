// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
)

// outStream is a stream Run sends.
type outStream struct {
	index int
	video bool
	codec *frame.Codec
	tb    frame.Rational
	last  time.Duration // end of the last packet, for packets without PTS
	// Packets read before the stream's first DTS (Matroska stores none,
	// and FFmpeg reconstructs them only from the third packet of an H.264
	// stream with B-frames): held until that DTS is known, then given DTS
	// one packet apart before it. Guessing DTS = PTS instead makes the
	// DTS of a reordered stream go backwards, and a muxer then mangles it.
	pending  []pendingPacket
	dtsKnown bool
}

type pendingPacket struct {
	data     frame.Data
	pts, dur time.Duration
	key      bool
}

// maxPending bounds the packets held waiting for a stream's first DTS; past
// it (a stream with no DTS at all) they go with DTS = PTS.
const maxPending = 16

// backfill gives the pending packets DTS one packet duration apart, ending
// before dts (and never after their PTS), and hands them to send in order.
// With dts unknown (the stream ended, or too many waited) DTS = PTS.
func (st *outStream) backfill(dts time.Duration, known bool, send func(st *outStream, p pendingPacket, dts time.Duration) bool) bool {
	ok := true
	n := len(st.pending)
	for i, p := range st.pending {
		d := p.pts
		if known {
			step := max(p.dur, time.Millisecond)
			d = min(dts-time.Duration(n-i)*step, p.pts)
		}
		if ok {
			ok = send(st, p, d)
		} else {
			p.data.Release()
		}
		st.pending[i] = pendingPacket{}
	}
	st.pending = st.pending[:0]
	return ok
}

// pickStreams returns the streams to send by their index: the VideoStream-th
// video stream when wantV, the AudioStream-th audio stream when wantA. It
// fails when none of those wanted is there.
func (d *Demux) pickStreams(fc *astiav.FormatContext, wantV, wantA bool) (map[int]*outStream, error) {
	streams := map[int]*outStream{}
	nv, na := 0, 0
	var haveV, haveA bool
	for _, s := range fc.Streams() {
		var pick bool
		switch s.CodecParameters().MediaType() {
		case astiav.MediaTypeVideo:
			pick = wantV && !haveV && nv == d.VideoStream
			haveV = haveV || pick
			nv++
		case astiav.MediaTypeAudio:
			pick = wantA && !haveA && na == d.AudioStream
			haveA = haveA || pick
			na++
		}
		if !pick {
			continue
		}
		c, err := codecOf(s, d.what())
		if err != nil {
			return nil, err
		}
		video := s.CodecParameters().MediaType() == astiav.MediaTypeVideo
		streams[s.Index()] = &outStream{index: s.Index(), video: video, codec: c, tb: c.TimeBase}
	}
	if haveV || haveA {
		return streams, nil
	}
	switch {
	case wantV && wantA:
		return nil, fmt.Errorf("ffmpeg: demux: %s has no video stream %d and no audio stream %d (%d video, %d audio streams)",
			d.what(), d.VideoStream, d.AudioStream, nv, na)
	case wantV:
		return nil, fmt.Errorf("ffmpeg: demux: %s has no video stream %d (%d video streams)", d.what(), d.VideoStream, nv)
	case wantA:
		return nil, fmt.Errorf("ffmpeg: demux: %s has no audio stream %d (%d audio streams)", d.what(), d.AudioStream, na)
	}
	return nil, fmt.Errorf("ffmpeg: demux: %s: no output wanted", d.what())
}

// codecOf describes stream s. Codecs streamer has no Format for get
// FormatUnknown; FFmpeg's parameters are remembered (see codecParams).
func codecOf(s *astiav.Stream, what string) (*frame.Codec, error) {
	cp := s.CodecParameters()
	id := cp.CodecID()
	c := &frame.Codec{
		Format:   formatOfCodec(id),
		TimeBase: rat(s.TimeBase()),
		BitRate:  cp.BitRate(),
	}
	if c.TimeBase.Den == 0 {
		return nil, fmt.Errorf("ffmpeg: demux: %s stream %d has no time base", what, s.Index())
	}
	ccp := (*C.AVCodecParameters)(cptr(cp))
	if p := C.avcodec_profile_name(ccp.codec_id, ccp.profile); p != nil {
		c.Profile = C.GoString(p)
	}
	if ccp.level > 0 {
		c.Level = int(ccp.level)
	}
	if ccp.extradata_size > 0 && ccp.extradata != nil {
		c.Extradata = C.GoBytes(unsafe.Pointer(ccp.extradata), ccp.extradata_size)
	}
	if cp.MediaType() == astiav.MediaTypeVideo {
		c.Width, c.Height = cp.Width(), cp.Height()
		if fr := s.AvgFrameRate(); fr.Num() > 0 && fr.Den() > 0 {
			c.FrameRate = rat(fr)
		}
	} else {
		c.SampleRate = cp.SampleRate()
		c.Channels = int(ccp.ch_layout.nb_channels)
	}
	par := C.avcodec_parameters_alloc()
	if par == nil {
		return nil, errors.New("ffmpeg: demux: out of memory for codec parameters")
	}
	if err := avErr(C.avcodec_parameters_copy(par, ccp)); err != nil {
		C.avcodec_parameters_free(&par)
		return nil, fmt.Errorf("ffmpeg: demux: codec parameters: %w", err)
	}
	rememberParams(c, par)
	return c, nil
}

// codecIDOf returns the FFmpeg codec ID of an encoded stream's description.
func codecIDOf(c *frame.Codec) (astiav.CodecID, bool) {
	if p, ok := c.Native.(*codecParams); ok {
		return p.id, true
	}
	if id, ok := codecIDs[c.Format]; ok {
		return id, true
	}
	return 0, false
}

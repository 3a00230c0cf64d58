// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"time"

	"github.com/pion/rtcp"

	"github.com/spinorml/streamer/codec/h264"
	"github.com/spinorml/streamer/codec/nal"
	"github.com/spinorml/streamer/codec/vp8"
	"github.com/spinorml/streamer/codec/vp9"
	"github.com/spinorml/streamer/frame"
)

// emit turns one sample into a frame and queues it: video waits for a
// key frame (asking the sender for one), and frames before the time
// base are dropped.
func (p *recvPeer) emit(t *recvTrack, s pendingSample, pts time.Duration, vq chan<- frame.Video, aq chan<- frame.Audio) {
	dur := s.dur
	if dur <= 0 {
		dur = t.lastDur
	}
	t.lastDur = dur
	switch {
	case len(s.data) == 0:
	case t.video:
		p.emitVideo(t, s, pts, dur, vq)
	case pts >= 0:
		if t.codec == nil {
			t.codec = &frame.Codec{Format: frame.Opus, SampleRate: opusClock, Channels: 2, TimeBase: frame.Rational{Num: 1, Den: opusClock},
				Extradata: opusHead(2)}
		}
		aq <- frame.Audio{Data: frame.NewBytes(s.data), Format: frame.Opus, Rate: opusClock, Channels: 2,
			Samples: int(int64(dur) * opusClock / int64(time.Second)), Codec: t.codec, PTS: pts, DTS: pts, Duration: dur, Keyframe: true}
	}
}

// emitVideo queues a video sample from its first key frame on, in PTS
// order; one before the time base makes the track wait for the next key
// frame.
func (p *recvPeer) emitVideo(t *recvTrack, s pendingSample, pts, dur time.Duration, vq chan<- frame.Video) {
	if s.lost {
		// Lost packets: the decoder conceals, and a key frame is asked
		// for to end the damage.
		p.requestKeyframe(t, time.Now())
	}
	key := t.describe(s.data)
	if t.needKey || pts < 0 || (t.lastSent > 0 && pts <= t.lastSent) {
		if pts < 0 {
			t.needKey = true
		}
		return
	}
	t.lastSent = pts
	vq <- frame.Video{Data: frame.NewBytes(s.data), Format: t.format, Width: t.width, Height: t.height, Codec: t.codec,
		PTS: pts, DTS: pts, Duration: dur, Keyframe: key}
}

// describe reads a video frame's header: it reports whether the frame is
// a key frame, and on a key frame of a new size renews t's codec and
// size. A header that does not parse leaves the frame as it is, and the
// stream without a size until one does.
func (t *recvTrack) describe(data []byte) bool {
	key, w, h := false, 0, 0
	switch t.format {
	case frame.H264:
		key = t.describeH264(data)
	case frame.VP8:
		key, w, h = vp8.KeyframeSize(data)
	case frame.VP9:
		key, w, h, _ = vp9.KeyframeSize(data)
	}
	if key && w > 0 && (t.codec == nil || w != t.width || h != t.height) {
		t.codec = &frame.Codec{Format: t.format, Width: w, Height: h, TimeBase: frame.Rational{Num: 1, Den: videoClock}}
	}
	if key && t.codec != nil {
		t.width, t.height = t.codec.Width, t.codec.Height
		t.needKey = false
	}
	return key
}

// describeH264 reports whether an access unit is an IDR picture, and
// renews t's codec from the SPS and PPS it carries when the size changes.
func (t *recvTrack) describeH264(data []byte) bool {
	in := inspectH264(data)
	if in.sps == nil || in.pps == nil {
		return in.idr
	}
	sps, err := h264.ParseSPS(in.sps)
	if err != nil {
		return in.idr
	}
	if w, h := sps.Width, sps.Height; t.codec == nil || w != t.width || h != t.height {
		extra := nal.AppendAnnexB(nil, in.sps, in.pps)
		t.codec = &frame.Codec{Format: frame.H264, Width: w, Height: h, Level: sps.Level, Profile: h264Profile(sps.Profile),
			TimeBase: frame.Rational{Num: 1, Den: videoClock}, Extradata: extra}
	}
	return in.idr
}

// requestKeyframe sends a picture loss indication, at most every 500 ms.
func (p *recvPeer) requestKeyframe(t *recvTrack, now time.Time) {
	if now.Sub(t.lastPLI) < 500*time.Millisecond {
		return
	}
	t.lastPLI = now
	_ = p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: t.ssrc}})
}

func h264Profile(idc int) string {
	switch idc {
	case 66:
		return "baseline"
	case 77:
		return "main"
	case 100:
		return "high"
	}
	return ""
}

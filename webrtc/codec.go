// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	pion "github.com/pion/webrtc/v4"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/spinorml/streamer/frame"
)

// Clock rates of the RTP payload formats used here (RFC 6184, 7741, 7587).
const (
	videoClock = 90000
	opusClock  = 48000
)

// capability returns the RTP codec pion negotiates for f: H.264
// constrained baseline in packetization mode 1 (what every browser
// decodes), VP8, VP9 profile 0, or Opus in stereo.
func capability(f frame.Format) (pion.RTPCodecCapability, error) {
	switch f {
	case frame.H264:
		return pion.RTPCodecCapability{MimeType: pion.MimeTypeH264, ClockRate: videoClock,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, nil
	case frame.VP8:
		return pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: videoClock}, nil
	case frame.VP9:
		return pion.RTPCodecCapability{MimeType: pion.MimeTypeVP9, ClockRate: videoClock, SDPFmtpLine: "profile-id=0"}, nil
	case frame.Opus:
		return pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: opusClock, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}, nil
	}
	return pion.RTPCodecCapability{}, fmt.Errorf("%v cannot travel over WebRTC here (H264, VP8, VP9 and Opus can)", f)
}

// servedFormats checks the codecs a server (Endpoint or Ingest) is set
// to take, a video codec and an audio codec each 0 for none, and returns
// those set.
func servedFormats(video, audio frame.Format) ([]frame.Format, error) {
	var only []frame.Format
	for _, f := range []frame.Format{video, audio} {
		if f == 0 {
			continue
		}
		if _, err := capability(f); err != nil {
			return nil, err
		}
		only = append(only, f)
	}
	if len(only) == 0 {
		return nil, errors.New("neither Video nor Audio is set")
	}
	if video != 0 && !video.IsVideo() || audio != 0 && !audio.IsAudio() {
		return nil, fmt.Errorf("want a video codec as Video and an audio codec as Audio, not %v and %v", video, audio)
	}
	return only, nil
}

// formatOfMime returns the frame format of an RTP codec, or 0.
func formatOfMime(mime string) frame.Format {
	switch strings.ToLower(mime) {
	case strings.ToLower(pion.MimeTypeH264):
		return frame.H264
	case strings.ToLower(pion.MimeTypeVP8):
		return frame.VP8
	case strings.ToLower(pion.MimeTypeVP9):
		return frame.VP9
	case strings.ToLower(pion.MimeTypeOpus):
		return frame.Opus
	}
	return 0
}

// payloader returns pion's RTP payloader for f.
func payloader(f frame.Format) rtp.Payloader {
	switch f {
	case frame.H264:
		return &codecs.H264Payloader{}
	case frame.VP8:
		return &codecs.VP8Payloader{EnablePictureID: true}
	case frame.VP9:
		return &codecs.VP9Payloader{}
	}
	return &codecs.OpusPayloader{}
}

// depacketizer returns pion's RTP depacketizer for f.
func depacketizer(f frame.Format) rtp.Depacketizer {
	switch f {
	case frame.H264:
		return &codecs.H264Packet{}
	case frame.VP8:
		return &codecs.VP8Packet{}
	case frame.VP9:
		return &codecs.VP9Packet{}
	}
	return &codecs.OpusPacket{}
}

// opusHead returns an OpusHead (RFC 7845 5.1) for a stream of channels at
// 48 kHz with no pre-skip: RTP carries none, and the timestamps are those
// sent.
func opusHead(channels int) []byte {
	b := make([]byte, 19)
	copy(b, "OpusHead")
	b[8] = 1
	b[9] = byte(channels)
	binary.LittleEndian.PutUint32(b[12:], opusClock)
	return b
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"strings"
	"testing"
)

// Each encoder gets the settings in its own property names; the V4L2
// memory-to-memory encoders (no device here) in one extra-controls
// structure, which must survive GStreamer's launch lexer as one value.
func TestEncoderProperties(t *testing.T) {
	cfg := EncoderConfig{Bitrate: 2_000_000, KeyframeInterval: 30}
	for el, want := range map[string]string{
		"x264enc":     "bitrate=2000 key-int-max=30",
		"vah264enc":   "bitrate=2000 key-int-max=30",
		"nvh264enc":   "bitrate=2000 gop-size=30",
		"v4l2h264enc": `extra-controls="controls,video_bitrate=2000000,video_gop_size=30,h264_i_frame_period=30"`,
		"v4l2vp8enc":  `extra-controls="controls,video_bitrate=2000000,video_gop_size=30"`,
	} {
		got, err := encoderProperties(el, cfg)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", el, got, err, want)
		}
		if kind, n := lex(got); strings.HasPrefix(el, "v4l2") && (kind != tokAssignment || n != len(got)) {
			t.Errorf("%s: %q lexes as %d bytes of kind %d, not one assignment", el, got, n, kind)
		}
	}
}

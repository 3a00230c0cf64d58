// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package v4l2

import (
	"testing"

	"github.com/spinorml/streamer/frame"
)

func TestFourCCBothWays(t *testing.T) {
	for _, tc := range []struct {
		s      string
		c      FourCC
		f      frame.Format
		origin bool // FourCCOf(f) gives c back
	}{
		{"YUYV", FourCCYUYV, frame.YUY2, true},
		{"NV12", FourCCNV12, frame.NV12, true},
		{"NM12", FourCCNM12, frame.NV12, false},
		{"YU12", FourCCYU12, frame.I420, true},
		{"422P", FourCC422P, frame.I422, true},
		{"GREY", FourCCGREY, frame.GRAY8, true},
		{"AB24", FourCCAB24, frame.RGBA, true},
		{"AR24", FourCCAR24, frame.BGRA, true},
		{"MJPG", FourCCMJPG, frame.MJPEG, true},
		{"JPEG", FourCCJPEG, frame.MJPEG, false},
		{"H264", FourCCH264, frame.H264, true},
		{"HEVC", FourCCHEVC, frame.H265, true},
		{"VP80", FourCCVP80, frame.VP8, true},
		{"VP90", FourCCVP90, frame.VP9, true},
		{"BA81", 0x31384142, frame.FormatUnknown, false}, // Bayer: no streamer format
	} {
		c, err := ParseFourCC(tc.s)
		if err != nil || c != tc.c || c.String() != tc.s {
			t.Errorf("ParseFourCC(%q) = %#x (%v), %v; want %#x", tc.s, uint32(c), c, err, uint32(tc.c))
		}
		if f := c.Format(); f != tc.f {
			t.Errorf("%v.Format() = %v, want %v", c, f, tc.f)
		}
		if back, ok := FourCCOf(tc.f); tc.origin && (!ok || back != c) {
			t.Errorf("FourCCOf(%v) = %v, %v; want %v", tc.f, back, ok, c)
		}
	}
	if c, ok := FourCCOf(frame.AV1); ok {
		t.Errorf("FourCCOf(AV1) = %v", c)
	}
	if _, err := ParseFourCC("YUY"); err == nil {
		t.Error("a three-letter fourcc parsed")
	}
	if got := (FourCCYUYV | 1<<31).String(); got != "YUYV-BE" {
		t.Errorf("big-endian fourcc: %q", got)
	}
	if got := FourCC(0x01020304).String(); got != "????" {
		t.Errorf("unprintable fourcc: %q", got)
	}
}

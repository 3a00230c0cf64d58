// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package v4l2

import (
	"fmt"

	"github.com/spinorml/streamer/frame"
)

// FourCC is a V4L2 pixel format code, such as 'YUYV'.
type FourCC uint32

// The fourccs streamer maps to a frame format (check.go compares them with
// linux/videodev2.h).
const (
	FourCCYUYV FourCC = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	FourCCNV12 FourCC = 'N' | 'V'<<8 | '1'<<16 | '2'<<24
	FourCCNM12 FourCC = 'N' | 'M'<<8 | '1'<<16 | '2'<<24 // NV12 in two memory planes
	FourCCYU12 FourCC = 'Y' | 'U'<<8 | '1'<<16 | '2'<<24 // I420
	FourCC422P FourCC = '4' | '2'<<8 | '2'<<16 | 'P'<<24
	FourCCGREY FourCC = 'G' | 'R'<<8 | 'E'<<16 | 'Y'<<24
	FourCCAB24 FourCC = 'A' | 'B'<<8 | '2'<<16 | '4'<<24 // RGBA32: R, G, B, A in memory
	FourCCAR24 FourCC = 'A' | 'R'<<8 | '2'<<16 | '4'<<24 // ABGR32: B, G, R, A in memory
	FourCCMJPG FourCC = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	FourCCJPEG FourCC = 'J' | 'P'<<8 | 'E'<<16 | 'G'<<24
	FourCCH264 FourCC = 'H' | '2'<<8 | '6'<<16 | '4'<<24
	FourCCHEVC FourCC = 'H' | 'E'<<8 | 'V'<<16 | 'C'<<24
	FourCCVP80 FourCC = 'V' | 'P'<<8 | '8'<<16 | '0'<<24
	FourCCVP90 FourCC = 'V' | 'P'<<8 | '9'<<16 | '0'<<24
)

// fourccFormats maps fourccs to formats; the first fourcc listed for a
// format is the one FourCCOf returns.
var fourccFormats = []struct { //nolint:gochecknoglobals // a table: fourcc ↔ streamer format
	c FourCC
	f frame.Format
}{
	{FourCCYUYV, frame.YUY2},
	{FourCCNV12, frame.NV12},
	{FourCCNM12, frame.NV12},
	{FourCCYU12, frame.I420},
	{FourCC422P, frame.I422},
	{FourCCGREY, frame.GRAY8},
	{FourCCAB24, frame.RGBA},
	{FourCCAR24, frame.BGRA},
	{FourCCMJPG, frame.MJPEG},
	{FourCCJPEG, frame.MJPEG},
	{FourCCH264, frame.H264},
	{FourCCHEVC, frame.H265},
	{FourCCVP80, frame.VP8},
	{FourCCVP90, frame.VP9},
}

// String returns the four characters, with "-BE" for big-endian variants;
// a byte that is not printable ASCII shows as '?'.
func (c FourCC) String() string {
	b := []byte{byte(c), byte(c >> 8), byte(c >> 16), byte(c >> 24 & 0x7f)}
	for i, x := range b {
		if x < 0x20 || x > 0x7e {
			b[i] = '?'
		}
	}
	s := string(b)
	if c&(1<<31) != 0 {
		s += "-BE"
	}
	return s
}

// ParseFourCC returns the fourcc spelt by four characters ("YUYV"); any
// other length is an error.
func ParseFourCC(s string) (FourCC, error) {
	if len(s) != 4 {
		return 0, fmt.Errorf("v4l2: fourcc %q is not four characters", s)
	}
	return FourCC(s[0]) | FourCC(s[1])<<8 | FourCC(s[2])<<16 | FourCC(s[3])<<24, nil
}

// Format returns the streamer format of c, or frame.FormatUnknown.
func (c FourCC) Format() frame.Format {
	for _, m := range fourccFormats {
		if m.c == c {
			return m.f
		}
	}
	return frame.FormatUnknown
}

// FourCCOf returns the V4L2 fourcc for a streamer format (YUY2 → YUYV,
// I420 → YU12, MJPEG → MJPG), reporting false when V4L2 has none.
func FourCCOf(f frame.Format) (FourCC, bool) {
	for _, m := range fourccFormats {
		if m.f == f {
			return m.c, true
		}
	}
	return 0, false
}

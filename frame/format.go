// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame

import "fmt"

// Format says what the bytes of a frame are: a raw pixel layout, a raw sample
// layout, or a codec for encoded frames. Raw and encoded frames travel on the
// same channels; Format tells them apart.
type Format uint8

// Raw video formats. Planar YUV formats hold one plane per component.
const (
	FormatUnknown Format = iota
	I420                 // planar YUV 4:2:0: Y, U, V (FFmpeg yuv420p)
	NV12                 // semi-planar YUV 4:2:0: Y, interleaved UV
	I422                 // planar YUV 4:2:2 (FFmpeg yuv422p)
	I444                 // planar YUV 4:4:4 (FFmpeg yuv444p)
	YUY2                 // packed YUV 4:2:2, Y0 U Y1 V (FFmpeg yuyv422)
	RGBA                 // packed 8-bit R, G, B, A
	BGRA                 // packed 8-bit B, G, R, A
	GRAY8                // one 8-bit luma plane
)

// Encoded video formats.
const (
	H264 Format = iota + 32
	H265
	VP8
	VP9
	AV1
	MJPEG
)

// Raw audio formats: interleaved formats have one plane, planar (P) formats
// one plane per channel.
const (
	S16  Format = iota + 64 // signed 16-bit, interleaved
	S16P                    // signed 16-bit, planar
	F32                     // 32-bit float, interleaved
	F32P                    // 32-bit float, planar
)

// Encoded audio formats.
const (
	Opus Format = iota + 96
	AAC
	MP3
)

// formatNames is the one table of format names (String and ParseFormat).
var formatNames = map[Format]string{ //nolint:gochecknoglobals // constant table
	FormatUnknown: "unknown",
	I420:          "I420", NV12: "NV12", I422: "I422", I444: "I444", YUY2: "YUY2",
	RGBA: "RGBA", BGRA: "BGRA", GRAY8: "GRAY8",
	H264: "H264", H265: "H265", VP8: "VP8", VP9: "VP9", AV1: "AV1", MJPEG: "MJPEG",
	S16: "S16", S16P: "S16P", F32: "F32", F32P: "F32P",
	Opus: "Opus", AAC: "AAC", MP3: "MP3",
}

// String returns the format's name, such as "I420" or "H264".
func (f Format) String() string {
	if s, ok := formatNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat returns the format whose String is name (case-sensitive).
func ParseFormat(name string) (Format, error) {
	for f, s := range formatNames {
		if s == name && f != FormatUnknown {
			return f, nil
		}
	}
	return FormatUnknown, fmt.Errorf("frame: unknown format %q", name)
}

// IsVideo reports whether f is a raw or encoded video format.
func (f Format) IsVideo() bool { return f >= I420 && f < S16 }

// IsAudio reports whether f is a raw or encoded audio format.
func (f Format) IsAudio() bool { return f >= S16 && f <= MP3 }

// IsEncoded reports whether f is a codec rather than raw pixels or samples.
func (f Format) IsEncoded() bool { return (f >= H264 && f <= MJPEG) || (f >= Opus && f <= MP3) }

// IsPlanarAudio reports whether f is a raw audio format with one plane per channel.
func (f Format) IsPlanarAudio() bool { return f == S16P || f == F32P }

// SampleSize returns the bytes of one sample of one channel for raw audio
// formats, and 0 for anything else.
func (f Format) SampleSize() int {
	switch f {
	case S16, S16P:
		return 2
	case F32, F32P:
		return 4
	}
	return 0
}

// Planes returns how many planes a raw video frame of format f has, and 0 for
// encoded or unknown formats.
func (f Format) Planes() int {
	switch f {
	case I420, I422, I444:
		return 3
	case NV12:
		return 2
	case YUY2, RGBA, BGRA, GRAY8:
		return 1
	}
	return 0
}

// Layout returns the tightly packed strides and plane sizes of a raw video
// frame of format f and the given size (odd sizes round chroma up, as FFmpeg
// and GStreamer do). For encoded or unknown formats every value is 0.
func (f Format) Layout(width, height int) (strides, sizes [4]int) {
	cw, ch := (width+1)/2, (height+1)/2
	switch f {
	case I420:
		strides = [4]int{width, cw, cw}
		sizes = [4]int{width * height, cw * ch, cw * ch}
	case I422:
		strides = [4]int{width, cw, cw}
		sizes = [4]int{width * height, cw * height, cw * height}
	case I444:
		strides = [4]int{width, width, width}
		sizes = [4]int{width * height, width * height, width * height}
	case NV12:
		strides = [4]int{width, 2 * cw}
		sizes = [4]int{width * height, 2 * cw * ch}
	case YUY2:
		strides = [4]int{4 * cw}
		sizes = [4]int{4 * cw * height}
	case RGBA, BGRA:
		strides = [4]int{4 * width}
		sizes = [4]int{4 * width * height}
	case GRAY8:
		strides = [4]int{width}
		sizes = [4]int{width * height}
	}
	return strides, sizes
}

// PlaneRows returns how many rows plane i of a raw video frame of format f and
// height h has.
func (f Format) PlaneRows(i, height int) int {
	if i > 0 && (f == I420 || f == NV12) {
		return (height + 1) / 2
	}
	return height
}

// Rational is a fraction such as a frame rate (30000/1001) or a time base.
type Rational struct{ Num, Den int }

// Float returns r as a float64, or 0 when the denominator is 0.
func (r Rational) Float() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

func (r Rational) String() string { return fmt.Sprintf("%d/%d", r.Num, r.Den) }

// Codec describes an encoded stream: what a decoder or muxer of any backend
// needs to start from the first frame. It is shared by pointer between all the
// frames of a stream and must not be changed once frames carry it.
type Codec struct {
	Format        Format   // H264, Opus, ...
	Profile       string   // e.g. "high", "main"; empty when unknown
	Level         int      // codec-specific level (H264: 31 means 3.1); 0 when unknown
	Width, Height int      // video
	FrameRate     Rational // video; zero when variable or unknown
	SampleRate    int      // audio
	Channels      int      // audio
	TimeBase      Rational // the stream's time base where the backend has one
	BitRate       int64    // bits per second; 0 when unknown
	Extradata     []byte   // SPS/PPS or avcC/hvcC, OpusHead, AudioSpecificConfig
	// Native is the backend's own, more exact description of the stream
	// where it has one (FFmpeg's codec parameters), in Go memory; other
	// backends ignore it. Immutable, like the rest.
	Native any
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"errors"
	"fmt"

	"github.com/spinorml/streamer/frame"
)

// Preset is one speed/quality scale for every encoder, from the fastest
// to the best. Each backend maps it onto its encoders' own words: x264's
// and x265's speed presets, libvpx's deadline and cpu-used, SVT-AV1's and
// libaom's presets, hardware encoders' target usage.
type Preset int

const (
	// PresetDefault leaves the encoder's own default.
	PresetDefault Preset = iota
	// PresetFastest is for live use on weak machines (x264 ultrafast).
	PresetFastest
	// PresetFast trades some quality for speed (x264 veryfast).
	PresetFast
	// PresetBalanced is the usual middle (x264 medium).
	PresetBalanced
	// PresetSlow spends more time for a smaller file (x264 slow).
	PresetSlow
	// PresetBest is the slowest and best (x264 veryslow).
	PresetBest
)

var presetNames = [...]string{"default", "fastest", "fast", "balanced", "slow", "best"} //nolint:gochecknoglobals // constant table

func (p Preset) String() string {
	if p >= 0 && int(p) < len(presetNames) {
		return presetNames[p]
	}
	return fmt.Sprintf("preset(%d)", int(p))
}

// ParsePreset returns the Preset called name ("fastest" ... "best").
func ParsePreset(name string) (Preset, error) {
	for i, n := range presetNames {
		if n == name {
			return Preset(i), nil
		}
	}
	return 0, fmt.Errorf("media: preset %q: want one of default, fastest, fast, balanced, slow, best", name)
}

// RateControl says how an encoder spends bits.
type RateControl int

const (
	// RateDefault leaves the encoder's own default.
	RateDefault RateControl = iota
	// CRF is constant quality: Quality is the constant rate factor on the
	// codec's scale (0–51 for H.264/H.265, 0–63 for VP8/VP9/AV1).
	CRF
	// CQP is a constant quantizer: Quality is the QP, on the same scales.
	CQP
	// CBR is a constant bit rate: Bitrate.
	CBR
	// VBR is a variable bit rate averaging Bitrate, at most MaxBitrate
	// when set.
	VBR
)

var rateNames = [...]string{"default", "crf", "cqp", "cbr", "vbr"} //nolint:gochecknoglobals // constant table

func (r RateControl) String() string {
	if r >= 0 && int(r) < len(rateNames) {
		return rateNames[r]
	}
	return fmt.Sprintf("rate(%d)", int(r))
}

// VideoEncoding describes a video encoder.
type VideoEncoding struct {
	// Codec is H264, H265, VP8, VP9 or AV1.
	Codec frame.Format
	// Rate, with Quality or Bitrate (and MaxBitrate), sets rate control.
	Rate       RateControl
	Quality    int
	Bitrate    int64 // bits per second
	MaxBitrate int64 // bits per second; VBR only
	// KeyframeInterval is the most frames between key frames; 0 leaves
	// the encoder's default.
	KeyframeInterval int
	// Preset is the speed/quality trade-off.
	Preset Preset
	// LowLatency tunes for live use: no look-ahead, no B-frames, parameter
	// sets with every key frame.
	LowLatency bool
	// Profile is the codec profile ("baseline", "main", "high", ...);
	// empty leaves the encoder's choice.
	Profile string
	// Threads is the encoder's thread count; 0 lets it choose.
	Threads int
}

// maxQuality is the top of each codec's CRF/QP scale.
var maxQuality = map[frame.Format]int{frame.H264: 51, frame.H265: 51, frame.VP8: 63, frame.VP9: 63, frame.AV1: 63} //nolint:gochecknoglobals // constant table

// ErrInvalid is wrapped by every error of Validate.
var ErrInvalid = errors.New("media: invalid description")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Validate reports what is wrong with e, naming the field.
func (e VideoEncoding) Validate() error {
	top, ok := maxQuality[e.Codec]
	var errs []error
	if !ok {
		errs = append(errs, invalid("video encoding: Codec %v: want H264, H265, VP8, VP9 or AV1", e.Codec))
	}
	switch e.Rate {
	case RateDefault:
	case CRF, CQP:
		if ok && (e.Quality < 0 || e.Quality > top) {
			errs = append(errs, invalid("video encoding: %v Quality %d: want 0 to %d for %v", e.Rate, e.Quality, top, e.Codec))
		}
	case CBR, VBR:
		if e.Bitrate <= 0 {
			errs = append(errs, invalid("video encoding: %v needs Bitrate (bits per second)", e.Rate))
		}
		if e.MaxBitrate != 0 && (e.Rate == CBR || e.MaxBitrate < e.Bitrate) {
			errs = append(errs, invalid("video encoding: MaxBitrate %d: only for VBR, at least Bitrate", e.MaxBitrate))
		}
	default:
		errs = append(errs, invalid("video encoding: Rate %v is unknown", e.Rate))
	}
	if (e.Rate == RateDefault || e.Rate == CRF || e.Rate == CQP) && (e.Bitrate != 0 || e.MaxBitrate != 0) {
		errs = append(errs, invalid("video encoding: Bitrate set with rate control %v: use CBR or VBR", e.Rate))
	}
	if e.Rate != CRF && e.Rate != CQP && e.Quality != 0 {
		errs = append(errs, invalid("video encoding: Quality set with rate control %v: use CRF or CQP", e.Rate))
	}
	if e.KeyframeInterval < 0 {
		errs = append(errs, invalid("video encoding: KeyframeInterval %d is negative", e.KeyframeInterval))
	}
	if e.Preset < PresetDefault || e.Preset > PresetBest {
		errs = append(errs, invalid("video encoding: Preset %v is unknown", e.Preset))
	}
	if e.Threads < 0 {
		errs = append(errs, invalid("video encoding: Threads %d is negative", e.Threads))
	}
	return errors.Join(errs...)
}

// AudioEncoding describes an audio encoder.
type AudioEncoding struct {
	// Codec is AAC or Opus (MP3 where a backend has it).
	Codec frame.Format
	// Bitrate in bits per second; 0 leaves the encoder's default.
	Bitrate int64
	// Rate and Channels of the output; 0 keeps the input's (resampled
	// only where the codec requires, as Opus does to 48 kHz).
	Rate, Channels int
}

// Validate reports what is wrong with e, naming the field.
func (e AudioEncoding) Validate() error {
	var errs []error
	if !e.Codec.IsAudio() || !e.Codec.IsEncoded() {
		errs = append(errs, invalid("audio encoding: Codec %v: want AAC, Opus or MP3", e.Codec))
	}
	if e.Bitrate < 0 || e.Rate < 0 || e.Channels < 0 || e.Channels > 8 {
		errs = append(errs, invalid("audio encoding: Bitrate %d, Rate %d, Channels %d: want positive values (at most 8 channels) or 0", e.Bitrate, e.Rate, e.Channels))
	}
	return errors.Join(errs...)
}

// ErrorPolicy says what a decoder does with data it cannot decode.
type ErrorPolicy int

const (
	// Conceal (the default) decodes past damaged data: frames that cannot
	// be decoded are dropped (or concealed by the codec) and decoding goes
	// on, as the ffmpeg CLI and GStreamer's decoders do by default, so
	// that one bad packet does not end a recording or a live stream. The
	// end of a truncated input is still reported (as an error after the
	// frames before it).
	Conceal ErrorPolicy = iota
	// Fail stops at the first error, for validation: the decoder returns
	// it, after the frames decoded before it.
	Fail
)

// Decoding describes a decoder. Software decoders take the codec from the
// frames; a hardware backend picks its decoder when the stage is built, so
// it needs Codec (Demuxer.Streams tells it) and refuses without.
type Decoding struct {
	Codec   frame.Format // optional: the codec of the frames to come
	OnError ErrorPolicy
	// Threads is the decoder's thread count; 0 lets it choose.
	Threads int
}

// Validate reports what is wrong with d.
func (d Decoding) Validate() error {
	if d.OnError != Conceal && d.OnError != Fail {
		return invalid("decoding: OnError %d is unknown", d.OnError)
	}
	if d.Threads < 0 {
		return invalid("decoding: Threads %d is negative", d.Threads)
	}
	if d.Codec != 0 && !d.Codec.IsEncoded() {
		return invalid("decoding: Codec %v is not an encoded format", d.Codec)
	}
	return nil
}

// Scaling describes a video scaler and pixel-format converter.
type Scaling struct {
	// Width and Height of the output; 0 keeps the input's (both or
	// neither).
	Width, Height int
	// Format of the output (I420, NV12, RGBA, ...); 0 keeps the input's.
	Format frame.Format
}

// Validate reports what is wrong with s.
func (s Scaling) Validate() error {
	switch {
	case s.Width < 0 || s.Height < 0 || (s.Width == 0) != (s.Height == 0) || s.Width > 16384 || s.Height > 16384:
		return invalid("scaling: %dx%d: want both sides from 1 to 16384, or both 0", s.Width, s.Height)
	case s.Format != 0 && (!s.Format.IsVideo() || s.Format.IsEncoded()):
		return invalid("scaling: Format %v is not a raw video format", s.Format)
	case s.Width == 0 && s.Format == 0:
		return invalid("scaling: nothing to do: set Width and Height, or Format")
	}
	return nil
}

// Resampling describes an audio resampler and sample-format converter.
type Resampling struct {
	// Rate in Hz and Channels of the output; 0 keeps the input's.
	Rate, Channels int
	// Format of the output (S16, S16P, F32, F32P); 0 keeps the input's.
	Format frame.Format
	// Samples per output frame; 0 keeps the input's framing.
	Samples int
}

// Validate reports what is wrong with r.
func (r Resampling) Validate() error {
	switch {
	case r.Rate < 0 || r.Channels < 0 || r.Channels > 8 || r.Samples < 0:
		return invalid("resampling: Rate %d, Channels %d, Samples %d: want positive values (at most 8 channels) or 0", r.Rate, r.Channels, r.Samples)
	case r.Format != 0 && (!r.Format.IsAudio() || r.Format.IsEncoded()):
		return invalid("resampling: Format %v is not a raw audio format", r.Format)
	case r.Rate == 0 && r.Channels == 0 && r.Format == 0 && r.Samples == 0:
		return invalid("resampling: nothing to do: set Rate, Channels, Format or Samples")
	}
	return nil
}

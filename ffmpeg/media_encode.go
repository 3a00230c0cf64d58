// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream/media"
)

// presetWords spells each media.Preset (PresetFastest ... PresetBest; the
// default sets nothing) in an encoder's own options.
var presetWords = map[string][5]map[string]string{ //nolint:gochecknoglobals // a table, never written
	"libx264":    x26xPresets,
	"libx265":    x26xPresets,
	"libvpx":     vpxPresets,
	"libvpx-vp9": vpxPresets,
	"libsvtav1":  {{"preset": "12"}, {"preset": "10"}, {"preset": "8"}, {"preset": "6"}, {"preset": "4"}},
	"libaom-av1": {{"cpu-used": "8"}, {"cpu-used": "6"}, {"cpu-used": "4"}, {"cpu-used": "2"}, {"cpu-used": "0"}},
	"librav1e":   {{"speed": "10"}, {"speed": "8"}, {"speed": "6"}, {"speed": "4"}, {"speed": "1"}},
}

// x26xPresets are the presets of libx264 and libx265, vpxPresets those of
// libvpx, for presetWords.
var x26xPresets = [5]map[string]string{ //nolint:gochecknoglobals // a table, never written
	{"preset": "ultrafast"}, {"preset": "veryfast"}, {"preset": "medium"}, {"preset": "slow"}, {"preset": "veryslow"},
}

var vpxPresets = [5]map[string]string{ //nolint:gochecknoglobals // a table, never written
	{"deadline": "realtime", "cpu-used": "8"}, {"deadline": "good", "cpu-used": "4"},
	{"deadline": "good", "cpu-used": "2"}, {"deadline": "good", "cpu-used": "1"}, {"deadline": "best", "cpu-used": "0"},
}

// vpxCRFCap is the bit rate cap VP8 gets with CRF. libvpx's VP8 has no
// constant-quality mode, only constrained quality: a quality level under a
// bit rate cap (256 kbit/s by default), whose rate control spends up to
// the cap with a quantizer below the level (measured: CRF 40 as big as a
// fixed quantizer of 25). So VP8's CRF is that mode with the cap raised out
// of the way and the quantizer floored at the level (qmin): the quantizer
// stays at the level, rising above it only where the cap would be passed.
const vpxCRFCap = "100000000"

// encoding is a media.VideoEncoding in one FFmpeg encoder's words.
type encoding struct {
	enc    *Encoder[frame.Video]
	params []string // key=value of the encoder's own -params dictionary
}

func (x *encoding) set(kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		x.enc.Options[kv[i]] = kv[i+1]
	}
}

// newVideoEncoder builds the Encoder for e: the first of the codec's
// encoders (see FindEncoder) this FFmpeg has and that can do e. Every
// encoder writes its headers as extradata (GlobalHeader), H.264 and H.265
// also in-band before every key frame, so that the stream goes into any
// container. The options are checked now (Encoder.Validate).
func newVideoEncoder(e media.VideoEncoding) (*Encoder[frame.Video], error) {
	names := defaultEncoders[e.Codec]
	var why []string
	for _, name := range names {
		if astiav.FindEncoderByName(name) == nil {
			why = append(why, name+": not in this FFmpeg")
			continue
		}
		enc, err := videoEncoderFor(name, e)
		if err == nil {
			err = enc.Validate()
		}
		if err == nil {
			return enc, nil
		}
		why = append(why, err.Error())
	}
	if len(names) == 0 {
		return nil, media.Unsupported("ffmpeg: no encoder for %v", e.Codec)
	}
	return nil, media.Unsupported("ffmpeg: no %v encoder can do it (tried %s): %s", e.Codec, strings.Join(names, ", "), strings.Join(why, "; "))
}

// videoEncoderFor maps e onto the encoder called name, or says why it
// cannot.
func videoEncoderFor(name string, e media.VideoEncoding) (*Encoder[frame.Video], error) {
	x := &encoding{enc: &Encoder[frame.Video]{Format: e.Codec, Codec: name, GOP: e.KeyframeInterval,
		Threads: e.Threads, GlobalHeader: true, Options: map[string]string{}}}
	if e.Preset != media.PresetDefault {
		for k, v := range presetWords[name][e.Preset-media.PresetFastest] {
			x.set(k, v)
		}
	}
	var err error
	switch name {
	case "libx264", "libx265":
		err = x.x26x(name, e)
	case "libvpx", "libvpx-vp9":
		err = x.vpx(name, e)
	case "libsvtav1":
		err = x.svtav1(e)
	case "libaom-av1":
		err = x.aom(e)
	case "librav1e":
		err = x.rav1e(e)
	default:
		err = errors.New("no mapping of the neutral settings")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(x.params) > 0 {
		x.set(strings.TrimPrefix(name, "lib")+"-params", strings.Join(x.params, ":"))
	}
	return x.enc, nil
}

// x26x maps e onto libx264 or libx265.
func (x *encoding) x26x(name string, e media.VideoEncoding) error {
	q, b, m := strconv.Itoa(e.Quality), strconv.FormatInt(e.Bitrate, 10), strconv.FormatInt(e.MaxBitrate, 10)
	switch e.Rate {
	case media.CRF:
		x.set("crf", q)
	case media.CQP:
		x.set("qp", q)
	case media.CBR:
		x.enc.BitRate = e.Bitrate
		x.set("minrate", b, "maxrate", b, "bufsize", b)
		if name == "libx264" {
			x.set("nal-hrd", "cbr")
		} else {
			x.params = append(x.params, "strict-cbr=1")
		}
	case media.VBR:
		x.enc.BitRate = e.Bitrate
		if e.MaxBitrate > 0 {
			x.set("maxrate", m, "bufsize", strconv.FormatInt(2*e.MaxBitrate, 10))
		}
	}
	if e.LowLatency {
		x.set("tune", "zerolatency")
	}
	if e.Profile != "" {
		if p := x264Profiles; name == "libx264" && !slices.Contains(p, e.Profile) {
			return fmt.Errorf("profile %q: want one of %s", e.Profile, strings.Join(p, ", "))
		}
		x.set("profile", e.Profile)
	}
	// Parameter sets before every key frame as well as in extradata.
	x.params = append(x.params, "repeat-headers=1")
	if name == "libx265" {
		if l := ownLogLevel(x265Levels); l != "" {
			x.params = append(x.params, "log-level="+l) // x265 prints on its own
		}
	}
	return nil
}

// x265Levels and svtLevels are the log levels of x265 and SVT-AV1 (which
// print on standard error on their own) for FFmpeg's quiet, error and
// warning levels.
var (
	x265Levels = [3]string{"none", "error", "warning"} //nolint:gochecknoglobals // a table, never written
	svtLevels  = [3]string{"0", "1", "2"}              //nolint:gochecknoglobals // a table, never written
)

// ownLogLevel returns levels' entry for FFmpeg's log level, "" from info
// up (the library's own default).
func ownLogLevel(levels [3]string) string {
	switch l := astiav.GetLogLevel(); {
	case l < astiav.LogLevelError:
		return levels[0]
	case l < astiav.LogLevelWarning:
		return levels[1]
	case l < astiav.LogLevelInfo:
		return levels[2]
	}
	return ""
}

// x264Profiles are the profiles libx264 takes.
var x264Profiles = []string{"baseline", "main", "high", "high10", "high422", "high444"} //nolint:gochecknoglobals // a table, never written

// vpx maps e onto libvpx (VP8) or libvpx-vp9.
func (x *encoding) vpx(name string, e media.VideoEncoding) error {
	capRate, floor := "0", "0" // VP9: constant quality (VPX_Q)
	if name == "libvpx" {
		capRate, floor = vpxCRFCap, strconv.Itoa(e.Quality)
	}
	x.quantizerRates(e, capRate, floor)
	if e.Rate == media.VBR && e.MaxBitrate > 0 {
		// One-pass libvpx has no peak rate: bound its overshoot instead.
		x.set("maxrate", strconv.FormatInt(e.MaxBitrate, 10),
			"overshoot-pct", strconv.FormatInt(min((e.MaxBitrate-e.Bitrate)*100/e.Bitrate, 1000), 10))
	}
	if e.LowLatency {
		x.set("lag-in-frames", "0")
		if e.Preset == media.PresetDefault {
			x.set("deadline", "realtime", "cpu-used", "8")
		}
	}
	if e.Profile != "" {
		if !slices.Contains([]string{"0", "1", "2", "3"}, e.Profile) {
			return fmt.Errorf("profile %q: want 0, 1, 2 or 3", e.Profile)
		}
		x.set("profile", e.Profile)
	}
	return nil
}

// av1Profiles are AV1's profiles by name and number.
var av1Profiles = map[string]string{"main": "0", "high": "1", "professional": "2", "0": "0", "1": "1", "2": "2"} //nolint:gochecknoglobals // a table, never written

func (x *encoding) av1Profile(p string) error {
	if p == "" {
		return nil
	}
	n, ok := av1Profiles[p]
	if !ok {
		return fmt.Errorf("profile %q: want main, high or professional", p)
	}
	x.set("profile", n)
	return nil
}

// svtav1 maps e onto libsvtav1 (SVT-AV1). Its log level is set once, in
// init (see quietSVT).
func (x *encoding) svtav1(e media.VideoEncoding) error {
	q := strconv.Itoa(e.Quality)
	switch e.Rate {
	case media.CRF, media.CQP:
		if e.Quality == 0 {
			return fmt.Errorf("%v 0 (lossless) is not in SVT-AV1, which takes 1 to 63", e.Rate)
		}
		x.set(map[media.RateControl]string{media.CRF: "crf", media.CQP: "qp"}[e.Rate], q)
	case media.CBR:
		// SVT-AV1 does CBR only with its low-delay prediction structure.
		x.enc.BitRate = e.Bitrate
		x.params = append(x.params, "rc=2", "pred-struct=1")
	case media.VBR:
		x.enc.BitRate = e.Bitrate
		if e.MaxBitrate == e.Bitrate {
			return errors.New("VBR with MaxBitrate equal to Bitrate: SVT-AV1 wants the maximum above the target (or use CBR)")
		}
		if e.MaxBitrate > 0 {
			x.set("maxrate", strconv.FormatInt(e.MaxBitrate, 10))
		}
	}
	if e.LowLatency && e.Rate != media.CBR {
		x.params = append(x.params, "pred-struct=1")
	}
	return x.av1Profile(e.Profile)
}

// aom maps e onto libaom-av1.
func (x *encoding) aom(e media.VideoEncoding) error {
	x.quantizerRates(e, "0", "0")
	if e.Rate == media.VBR && e.MaxBitrate > 0 {
		x.set("maxrate", strconv.FormatInt(e.MaxBitrate, 10))
	}
	if e.LowLatency {
		x.set("usage", "realtime", "lag-in-frames", "0")
	}
	return x.av1Profile(e.Profile)
}

// rav1e maps e onto librav1e, whose quantizer scale is 0 to 255.
func (x *encoding) rav1e(e media.VideoEncoding) error {
	switch e.Rate {
	case media.CRF:
		return errors.New("CRF: rav1e has no constant-quality mode (CQP is its quantizer)")
	case media.CQP:
		x.set("qp", strconv.Itoa(e.Quality*255/63))
	case media.CBR:
		return errors.New("CBR: rav1e has no constant bit rate mode")
	case media.VBR:
		if e.MaxBitrate > 0 {
			return errors.New("VBR MaxBitrate: rav1e has no peak bit rate")
		}
		x.enc.BitRate = e.Bitrate
	}
	if e.LowLatency {
		x.params = append(x.params, "low_latency=true")
	}
	return x.av1Profile(e.Profile)
}

// newAudioEncoder builds the Encoder for e, checked now: the encoder
// exists and takes e.Rate.
func newAudioEncoder(e media.AudioEncoding) (*Encoder[frame.Audio], error) {
	enc := &Encoder[frame.Audio]{Format: e.Codec, BitRate: e.Bitrate, SampleRate: e.Rate, Channels: e.Channels,
		GlobalHeader: true}
	name, codec, err := enc.encoderName()
	if err != nil {
		return nil, media.Unsupported("%w", err)
	}
	enc.Codec = name
	if codecExperimental(codec) {
		enc.Options = map[string]string{"strict": "experimental"}
	}
	if rates := codecRates(codec); e.Rate > 0 && len(rates) > 0 && !slices.Contains(rates, e.Rate) {
		return nil, media.Unsupported("ffmpeg: %s: %d Hz: it takes %v", name, e.Rate, rates)
	}
	if err := enc.Validate(); err != nil {
		return nil, media.Unsupported("%w", err)
	}
	return enc, nil
}

// quantizerRates sets the rate control libvpx and libaom-av1 share: CRF as
// crf with the bit rate b at capRate ("0": constant quality) and quantizers
// from floor up, CQP as crf with both quantizers at Quality, CBR as the bit
// rate with minrate = maxrate, VBR as the bit rate (their peak rates
// differ: the caller sets them).
func (x *encoding) quantizerRates(e media.VideoEncoding, capRate, floor string) {
	q, b := strconv.Itoa(e.Quality), strconv.FormatInt(e.Bitrate, 10)
	switch e.Rate {
	case media.CRF:
		x.set("crf", q, "b", capRate, "qmin", floor, "qmax", "63")
	case media.CQP:
		x.set("crf", q, "b", capRate, "qmin", q, "qmax", q)
	case media.CBR, media.VBR:
		x.enc.BitRate = e.Bitrate
		if e.Rate == media.CBR {
			x.set("minrate", b, "maxrate", b)
		}
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream/media"
)

// Preset names trade encoding speed for quality, as x264's do; each
// element's own knob is set from the index of the name (0 fastest).
var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"} //nolint:gochecknoglobals // a table: the preset names, fastest first

// Per preset index: the speed knobs of the elements that have no preset
// names of their own.
var (
	// vp8enc's cpu-used in realtime mode (-16..16, higher is faster), for
	// ultrafast..medium; slow..veryslow use good-quality mode.
	vp8Realtime = [...]int{16, 14, 12, 10, 8, 6} //nolint:gochecknoglobals // a table by preset index
	// vp9enc's cpu-used in realtime mode (libvpx takes 0..9 for VP9).
	vp9Realtime = [...]int{9, 9, 8, 7, 6, 5} //nolint:gochecknoglobals // a table by preset index
	// libvpx's cpu-used in good-quality mode (deadline 1 s), for
	// slow, slower and veryslow.
	vpxGood = [...]int{2, 1, 0} //nolint:gochecknoglobals // a table by preset index
	// The VA encoders' target-usage: 1 best quality, 7 fastest.
	vaTargetUsage = [...]int{7, 7, 6, 5, 5, 4, 3, 2, 1} //nolint:gochecknoglobals // a table by preset index
	// The NVIDIA encoders' preset nicks.
	nvPreset = [...]string{"hp", "hp", "hp", "default", "default", "default", "hq", "hq", "hq"} //nolint:gochecknoglobals // a table by preset index
)

// vpxGoodDeadline is libvpx's good-quality deadline (µs per frame).
const vpxGoodDeadline = 1000000

// vpxCQCeiling is the target bit rate set in constrained-quality mode,
// where libvpx takes it as a ceiling: high enough that the quality level
// decides, as FFmpeg's libvpx wrapper sets for CRF without a bit rate.
const vpxCQCeiling = 1_000_000_000

// Refusal is an encoder element's reason for not doing what an
// EncoderConfig asks (a rate control or profile it lacks). errors.Is(err,
// media.ErrUnsupported) holds for it, so the media backend tries the next
// element and, when none can, lists every reason.
type Refusal struct {
	Element string
	Reason  string
}

// Error names the element and why it refused.
func (r *Refusal) Error() string { return "gst: " + r.Element + ": " + r.Reason }

// Is reports whether target is media.ErrUnsupported.
func (r *Refusal) Is(target error) bool { return target == media.ErrUnsupported }

// props collects an element's settings as name/value pairs, and the first
// refusal.
type props struct {
	el   string
	list [][2]string
	err  error
}

func (p *props) set(name string, value any) {
	p.list = append(p.list, [2]string{name, fmt.Sprint(value)})
}

// setWhen sets name to value when ok; the element's default stays
// otherwise.
func (p *props) setWhen(ok bool, name string, value any) {
	if ok {
		p.set(name, value)
	}
}

func (p *props) refuse(format string, args ...any) {
	if p.err == nil {
		p.err = &Refusal{Element: p.el, Reason: fmt.Sprintf(format, args...)}
	}
}

// check refuses, when the element is installed, any setting it does not
// take: a property this GStreamer version lacks, a value out of range or
// an enum value its driver does not offer.
func (p *props) check() {
	if p.err != nil || !HasElement(p.el) {
		return
	}
	cel := C.CString(p.el)
	defer C.free(unsafe.Pointer(cel))
	for _, kv := range p.list {
		cn, cv := C.CString(kv[0]), C.CString(kv[1])
		r := C.streamer_check_property(cel, cn, cv)
		C.free(unsafe.Pointer(cn))
		C.free(unsafe.Pointer(cv))
		switch r {
		case C.STREAMER_PROPERTY_MISSING:
			p.refuse("has no property %q", kv[0])
		case C.STREAMER_PROPERTY_REFUSED:
			p.refuse("does not take %s=%s (out of its range)", kv[0], kv[1])
		}
	}
}

func (p *props) String() string {
	parts := make([]string, len(p.list))
	for i, kv := range p.list {
		parts[i] = kv[0] + "=" + launchValue(kv[1])
	}
	return strings.Join(parts, " ")
}

// launchValue quotes v for a launch description when it holds more than
// a plain token.
func launchValue(v string) string {
	if v != "" && strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-/") == "" {
		return v
	}
	return launchQuote(v)
}

// launchQuote quotes s as a launch description's string: GStreamer's
// lexer takes a backslash before any character as that character.
func launchQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// presetIndex returns the index of preset in presets, -1 when empty.
func presetIndex(preset string) (int, error) {
	if preset == "" {
		return -1, nil
	}
	for i, name := range presets {
		if name == preset {
			return i, nil
		}
	}
	return 0, fmt.Errorf("gst: unknown preset %q (want one of %s)", preset, strings.Join(presets, ", "))
}

// encoderProperties turns cfg into the element's own property names. An
// element that cannot do what cfg asks refuses with a *Refusal.
func encoderProperties(element string, cfg EncoderConfig) (string, error) {
	speed, err := presetIndex(cfg.Preset)
	if err != nil {
		return "", err
	}
	switch cfg.RateControl {
	case "", "crf", "cqp", "cbr", "vbr":
	default:
		return "", fmt.Errorf("gst: unknown rate control %q (want crf, cqp, cbr or vbr)", cfg.RateControl)
	}
	p := &props{el: element}
	switch {
	case element == "x264enc":
		x264Props(p, cfg, speed)
	case element == "x265enc":
		x265Props(p, cfg, speed)
	case element == "openh264enc":
		openh264Props(p, cfg, speed)
	case element == "vp8enc" || element == "vp9enc":
		vpxProps(p, cfg, speed)
	case element == "av1enc":
		av1Props(p, cfg, speed)
	case strings.HasPrefix(element, "va"):
		vaProps(p, cfg, speed)
	case strings.HasPrefix(element, "nv"):
		nvProps(p, cfg, speed)
	case strings.HasPrefix(element, "v4l2"):
		v4l2Props(p, cfg)
	case element == "opusenc" || element == "avenc_aac" || element == "voaacenc" || element == "fdkaacenc":
		p.setWhen(cfg.Bitrate > 0, "bitrate", cfg.Bitrate)
	case element == "lamemp3enc":
		if cfg.Bitrate > 0 {
			p.set("target", "bitrate")
			p.set("bitrate", kbps(cfg.Bitrate))
		}
	default:
		if cfg.RateControl != "" || cfg.Bitrate > 0 || cfg.KeyframeInterval > 0 || speed >= 0 || cfg.LowLatency || cfg.Threads > 0 {
			p.refuse("streamer has no mapping of its settings onto this element (set Properties instead)")
		}
	}
	p.check()
	if p.err != nil {
		return "", p.err
	}
	s := p.String()
	if cfg.Properties != "" {
		s = strings.TrimSpace(s + " " + cfg.Properties)
	}
	return s, nil
}

func kbps(bps int) int { return (bps + 500) / 1000 }

// x264Props maps onto x264enc. Its pass=qual (CRF) and pass=cbr tie the
// VBV maximum to the bitrate property (2048 kbit/s by default); a VBV
// buffer of 0 turns the cap off, which gives true CRF and, with pass=cbr,
// an unbounded average bit rate (VBR without MaxBitrate).
func x264Props(p *props, cfg EncoderConfig, speed int) {
	switch cfg.RateControl {
	case "":
		p.setWhen(cfg.Bitrate > 0, "bitrate", kbps(cfg.Bitrate))
	case "crf", "cqp":
		if cfg.Quality > 50 {
			p.refuse("%s %d: its quantizer stops at 50", strings.ToUpper(cfg.RateControl), cfg.Quality)
		}
		if cfg.RateControl == "crf" {
			p.set("pass", "qual")
			p.set("vbv-buf-capacity", 0)
		} else {
			p.set("pass", "quant")
		}
		p.set("quantizer", cfg.Quality)
	case "cbr":
		p.set("pass", "cbr")
		p.set("bitrate", kbps(cfg.Bitrate))
	case "vbr":
		if cfg.MaxBitrate > cfg.Bitrate {
			p.refuse("VBR with MaxBitrate %d: the element ties its VBV maximum to its bitrate, so it does CBR or an unbounded average only", cfg.MaxBitrate)
		}
		p.set("pass", "cbr")
		p.set("bitrate", kbps(cfg.Bitrate))
		p.setWhen(cfg.MaxBitrate == 0, "vbv-buf-capacity", 0)
	}
	p.setWhen(cfg.KeyframeInterval > 0, "key-int-max", cfg.KeyframeInterval)
	if speed >= 0 {
		p.set("speed-preset", presets[speed])
	}
	if cfg.LowLatency {
		p.set("tune", "zerolatency") // no B-frames, no lookahead
	}
	p.setWhen(cfg.Threads > 0, "threads", cfg.Threads)
}

// x265Props maps onto x265enc, whose option-string is applied after its
// properties: CRF and the VBV limits go there.
func x265Props(p *props, cfg EncoderConfig, speed int) {
	var opts []string
	switch cfg.RateControl {
	case "":
		p.setWhen(cfg.Bitrate > 0, "bitrate", kbps(cfg.Bitrate))
	case "crf":
		opts = append(opts, fmt.Sprintf("crf=%d", cfg.Quality))
	case "cqp":
		p.set("qp", cfg.Quality)
	case "cbr":
		p.set("bitrate", kbps(cfg.Bitrate))
		opts = append(opts, fmt.Sprintf("vbv-maxrate=%d:vbv-bufsize=%d", kbps(cfg.Bitrate), kbps(cfg.Bitrate)))
	case "vbr":
		p.set("bitrate", kbps(cfg.Bitrate))
		if cfg.MaxBitrate > 0 {
			opts = append(opts, fmt.Sprintf("vbv-maxrate=%d:vbv-bufsize=%d", kbps(cfg.MaxBitrate), kbps(cfg.MaxBitrate)))
		}
	}
	p.setWhen(cfg.KeyframeInterval > 0, "key-int-max", cfg.KeyframeInterval)
	if speed >= 0 {
		p.set("speed-preset", presets[speed])
	}
	p.setWhen(cfg.LowLatency, "tune", "zerolatency")
	if cfg.Threads > 0 {
		opts = append(opts, fmt.Sprintf("pools=%d", cfg.Threads))
	}
	p.setWhen(len(opts) > 0, "option-string", strings.Join(opts, ":"))
}

// openh264Props maps onto openh264enc: bit rates in bit/s, no B-frames
// (so LowLatency needs nothing), no constant-quality level.
func openh264Props(p *props, cfg EncoderConfig, speed int) {
	switch cfg.RateControl {
	case "":
		p.setWhen(cfg.Bitrate > 0, "bitrate", cfg.Bitrate)
	case "crf":
		p.refuse("no constant-quality level (its quality mode takes none): use CQP, CBR or VBR")
	case "cqp":
		// Rate control "off" ignores the quantizer range (measured); any
		// other mode held to one quantizer is constant.
		p.set("rate-control", "quality")
		p.set("qp-min", cfg.Quality)
		p.set("qp-max", cfg.Quality)
	case "cbr", "vbr":
		p.set("rate-control", "bitrate")
		p.set("bitrate", cfg.Bitrate)
		if cfg.RateControl == "cbr" {
			p.set("max-bitrate", cfg.Bitrate)
		} else if cfg.MaxBitrate > 0 {
			p.set("max-bitrate", cfg.MaxBitrate)
		}
	}
	p.setWhen(cfg.KeyframeInterval > 0, "gop-size", cfg.KeyframeInterval)
	if speed >= 0 {
		p.set("complexity", []string{"low", "medium", "high"}[min(speed/3, 2)])
	}
	p.setWhen(cfg.Threads > 0, "multi-thread", cfg.Threads)
}

// vpxProps maps onto vp8enc and vp9enc: bit rates in bit/s; realtime
// mode (deadline=1) unless a slow preset asks for good quality.
// GStreamer 1.22's end-usage has no Q (constant quality) mode, only vbr,
// cbr and cq: VP8's CRF is constrained quality with a ceiling too high to
// bind, as FFmpeg's libvpx wrapper does; VP9's CQ with such a ceiling
// ignores cq-level (measured: CQ 10 and 40 within 10% of each other), so
// vp9enc refuses CRF.
func vpxProps(p *props, cfg EncoderConfig, speed int) {
	switch cfg.RateControl {
	case "":
		p.setWhen(cfg.Bitrate > 0, "target-bitrate", cfg.Bitrate)
	case "crf":
		if p.el == "vp9enc" {
			p.refuse("no constant quality: GStreamer 1.22's end-usage has no Q mode, and VP9's CQ mode without a binding bit rate ignores cq-level (use CQP, CBR or VBR)")
		}
		p.set("end-usage", "cq")
		p.set("cq-level", cfg.Quality)
		p.set("target-bitrate", vpxCQCeiling)
	case "cqp":
		p.set("min-quantizer", cfg.Quality)
		p.set("max-quantizer", cfg.Quality)
	case "cbr", "vbr":
		p.set("end-usage", cfg.RateControl)
		p.set("target-bitrate", cfg.Bitrate)
		if cfg.MaxBitrate > 0 {
			p.set("overshoot", min(overshoot(cfg), 1000))
		}
	}
	p.setWhen(cfg.KeyframeInterval > 0, "keyframe-max-dist", cfg.KeyframeInterval)
	good := speed >= len(vp8Realtime) && !cfg.LowLatency
	switch {
	case speed < 0:
	case speed >= len(vp8Realtime):
		p.set("cpu-used", vpxGood[speed-len(vp8Realtime)])
	case p.el == "vp8enc":
		p.set("cpu-used", vp8Realtime[speed])
	default:
		p.set("cpu-used", vp9Realtime[speed])
	}
	if good {
		p.set("deadline", vpxGoodDeadline)
	} else {
		p.set("deadline", 1) // realtime: libvpx's good-quality mode is far slower than the faster presets ask
	}
	p.setWhen(cfg.LowLatency, "lag-in-frames", 0)
	p.setWhen(cfg.Threads > 0, "threads", cfg.Threads)
}

// overshoot is how far, in percent of Bitrate, MaxBitrate lets a VBR
// encoder overshoot.
func overshoot(cfg EncoderConfig) int {
	return (cfg.MaxBitrate - cfg.Bitrate) * 100 / cfg.Bitrate
}

// av1Props maps onto av1enc (libaom): bit rates in kbit/s. GStreamer
// 1.22's av1enc has no cq-level, so no constant quality; CQP pins the
// quantizer range to one value.
func av1Props(p *props, cfg EncoderConfig, speed int) {
	switch cfg.RateControl {
	case "":
		p.setWhen(cfg.Bitrate > 0, "target-bitrate", kbps(cfg.Bitrate))
	case "crf":
		p.refuse("no constant quality: GStreamer 1.22's av1enc has no cq-level (use CQP, CBR or VBR)")
	case "cqp":
		p.set("end-usage", "q")
		p.set("min-quantizer", cfg.Quality)
		p.set("max-quantizer", cfg.Quality)
	case "cbr", "vbr":
		p.set("end-usage", cfg.RateControl)
		p.set("target-bitrate", kbps(cfg.Bitrate))
		if cfg.MaxBitrate > 0 {
			p.set("overshoot-pct", min(overshoot(cfg), 1000))
		}
	}
	p.setWhen(cfg.KeyframeInterval > 0, "keyframe-max-dist", cfg.KeyframeInterval)
	if speed < 0 {
		speed = 2 // libaom's default, cpu-used=0, runs at a frame a second
	}
	p.set("cpu-used", min(8-speed, 8))
	if cfg.LowLatency {
		p.set("usage-profile", "realtime")
		p.set("lag-in-frames", 0)
	}
	p.setWhen(cfg.Threads > 0, "threads", cfg.Threads)
}

// profileFilter returns a caps filter asking element for profile of codec,
// or a refusal when its output cannot have it.
func profileFilter(element string, codec frame.Format, profile string) (string, error) {
	caps := strings.SplitN(encodedCaps[codec], ",", 2)[0] + ",profile=(string)" + launchQuote(profile)
	offered, ok := templateField(element, false, "profile")
	switch {
	case !ok:
		return "", &Refusal{Element: element, Reason: fmt.Sprintf("profile %q: its output caps name no profile, so none can be asked", profile)}
	case !templateAccepts(element, false, caps):
		return "", &Refusal{Element: element, Reason: fmt.Sprintf("profile %q: it makes %s", profile, offered)}
	}
	return "capsfilter caps=" + launchQuote(caps), nil
}

// templateField returns the value of field in element's sink (when sink)
// or source pad template, serialized, and whether it has one.
func templateField(element string, sink bool, field string) (string, bool) {
	cel, cf := C.CString(element), C.CString(field)
	defer C.free(unsafe.Pointer(cel))
	defer C.free(unsafe.Pointer(cf))
	v := C.streamer_template_field(cel, C.gboolean(boolInt(sink)), cf)
	return goString(v), v != nil
}

// templateAccepts reports whether caps can go into element's sink pad
// (when sink) or come out of its source pad.
func templateAccepts(element string, sink bool, caps string) bool {
	cel, cc := C.CString(element), C.CString(caps)
	defer C.free(unsafe.Pointer(cel))
	defer C.free(unsafe.Pointer(cc))
	return C.streamer_template_accepts(cel, C.gboolean(boolInt(sink)), cc) != 0
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"fmt"
	"strings"
)

// The hardware encoders' mappings. They register only where their device
// exists (none on the machines that test this package), so every setting
// is also checked against the element's own properties (props.check)
// before it is used: an element that lacks one refuses, and the next
// candidate (software) is tried. Hardware encoders have no CPU threads:
// Threads is ignored.

// vaProps maps onto the VA-API encoders (va*enc): bit rates in kbit/s;
// in VBR, bitrate is the maximum and target-percentage the average's
// share of it (50–100). Constant quality (ICQ) differs per driver and is
// refused.
func vaProps(p *props, cfg EncoderConfig, speed int) {
	switch cfg.RateControl {
	case "":
		p.setWhen(cfg.Bitrate > 0, "bitrate", kbps(cfg.Bitrate))
	case "crf":
		p.refuse("constant quality (ICQ) is driver-specific: use CQP, CBR or VBR")
	case "cqp":
		p.set("rate-control", "cqp")
		for _, q := range []string{"qpi", "qpp", "qpb"} {
			p.set(q, cfg.Quality)
		}
	case "cbr":
		p.set("rate-control", "cbr")
		p.set("bitrate", kbps(cfg.Bitrate))
	case "vbr":
		p.set("rate-control", "vbr")
		top := max(cfg.MaxBitrate, cfg.Bitrate)
		pct := cfg.Bitrate * 100 / top
		if pct < 50 {
			p.refuse("VBR averaging %d of at most %d: its target-percentage is at least 50", cfg.Bitrate, cfg.MaxBitrate)
		}
		p.set("bitrate", kbps(top))
		p.set("target-percentage", pct)
	}
	p.setWhen(cfg.KeyframeInterval > 0, "key-int-max", cfg.KeyframeInterval)
	if speed >= 0 {
		p.set("target-usage", vaTargetUsage[speed])
	}
	p.setWhen(cfg.LowLatency, "b-frames", 0)
}

// nvProps maps onto the NVENC encoders (nv*enc): bit rates in kbit/s. Only
// the bit-rate modes are mapped: their quantizer properties differ between
// GStreamer's two NVENC implementations, and no device here tests them.
func nvProps(p *props, cfg EncoderConfig, speed int) {
	switch cfg.RateControl {
	case "":
		p.setWhen(cfg.Bitrate > 0, "bitrate", kbps(cfg.Bitrate))
	case "crf", "cqp":
		p.refuse("%s is not mapped onto NVENC's properties: use CBR or VBR", strings.ToUpper(cfg.RateControl))
	case "cbr", "vbr":
		p.set("rc-mode", cfg.RateControl)
		p.set("bitrate", kbps(cfg.Bitrate))
		p.setWhen(cfg.MaxBitrate > 0, "max-bitrate", kbps(cfg.MaxBitrate))
	}
	p.setWhen(cfg.KeyframeInterval > 0, "gop-size", cfg.KeyframeInterval)
	if speed >= 0 {
		p.set("preset", nvPreset[speed])
	}
	if cfg.LowLatency {
		p.set("zerolatency", true)
		p.set("bframes", 0)
	}
}

// v4l2Props maps onto the V4L2 memory-to-memory encoders: codec controls,
// set through one extra-controls structure (bit rates in bit/s). They
// have no quantizer mode in common and no speed preset (Preset is
// ignored).
func v4l2Props(p *props, cfg EncoderConfig) {
	var controls []string
	switch cfg.RateControl {
	case "crf", "cqp":
		p.refuse("%s is not mapped onto V4L2 codec controls: use CBR or VBR", strings.ToUpper(cfg.RateControl))
	case "cbr":
		controls = append(controls, "video_bitrate_mode=1")
	case "vbr":
		controls = append(controls, "video_bitrate_mode=0")
		if cfg.MaxBitrate > 0 {
			controls = append(controls, fmt.Sprintf("video_bitrate_peak=%d", cfg.MaxBitrate))
		}
	}
	if cfg.Bitrate > 0 {
		controls = append(controls, fmt.Sprintf("video_bitrate=%d", cfg.Bitrate))
	}
	if cfg.KeyframeInterval > 0 {
		controls = append(controls, fmt.Sprintf("video_gop_size=%d", cfg.KeyframeInterval))
		if p.el == "v4l2h264enc" {
			controls = append(controls, fmt.Sprintf("h264_i_frame_period=%d", cfg.KeyframeInterval))
		}
	}
	p.setWhen(len(controls) > 0, "extra-controls", "controls,"+strings.Join(controls, ","))
}

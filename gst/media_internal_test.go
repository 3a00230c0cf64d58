// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"errors"
	"strings"
	"testing"

	"github.com/spinorml/streamer/stream/media"
)

// The neutral presets and rate controls in each element's own words.
// Hardware elements are not installed here, so their settings are not
// checked against the elements' properties.
func TestMediaMappingInElementWords(t *testing.T) {
	for _, c := range []struct {
		el   string
		cfg  EncoderConfig
		want string
	}{
		{"x264enc", EncoderConfig{Preset: presetWords[media.PresetFastest]}, "speed-preset=ultrafast"},
		{"x264enc", EncoderConfig{Preset: presetWords[media.PresetBest], LowLatency: true, Threads: 3}, "speed-preset=veryslow tune=zerolatency threads=3"},
		{"x264enc", EncoderConfig{RateControl: "crf", Quality: 23}, "pass=qual vbv-buf-capacity=0 quantizer=23"},
		{"x264enc", EncoderConfig{RateControl: "cqp", Quality: 30}, "pass=quant quantizer=30"},
		{"x264enc", EncoderConfig{RateControl: "cbr", Bitrate: 2_500_000}, "pass=cbr bitrate=2500"},
		{"x264enc", EncoderConfig{RateControl: "vbr", Bitrate: 2_500_000}, "pass=cbr bitrate=2500 vbv-buf-capacity=0"},
		{"x265enc", EncoderConfig{RateControl: "crf", Quality: 28, Preset: presetWords[media.PresetSlow], Threads: 2}, `speed-preset=slow option-string="crf=28:pools=2"`},
		{"x265enc", EncoderConfig{RateControl: "vbr", Bitrate: 1_000_000, MaxBitrate: 2_000_000}, `bitrate=1000 option-string="vbv-maxrate=2000:vbv-bufsize=2000"`},
		{"x265enc", EncoderConfig{RateControl: "cqp", Quality: 30}, "qp=30"},
		{"vp8enc", EncoderConfig{Preset: presetWords[media.PresetBalanced]}, "cpu-used=6 deadline=1"},
		{"vp9enc", EncoderConfig{Preset: presetWords[media.PresetFastest]}, "cpu-used=9 deadline=1"},
		{"vp9enc", EncoderConfig{Preset: presetWords[media.PresetBest]}, "cpu-used=0 deadline=1000000"},
		{"vp9enc", EncoderConfig{Preset: presetWords[media.PresetBest], LowLatency: true}, "cpu-used=0 deadline=1 lag-in-frames=0"},
		{"vp9enc", EncoderConfig{RateControl: "vbr", Bitrate: 1_000_000, MaxBitrate: 1_500_000}, "end-usage=vbr target-bitrate=1000000 overshoot=50 deadline=1"},
		{"vp8enc", EncoderConfig{RateControl: "crf", Quality: 20}, "end-usage=cq cq-level=20 target-bitrate=1000000000 deadline=1"},
		{"av1enc", EncoderConfig{Preset: presetWords[media.PresetFastest]}, "cpu-used=8"},
		{"av1enc", EncoderConfig{Preset: presetWords[media.PresetBest]}, "cpu-used=0"},
		{"av1enc", EncoderConfig{RateControl: "cbr", Bitrate: 800_000}, "end-usage=cbr target-bitrate=800 cpu-used=6"},
		{"av1enc", EncoderConfig{RateControl: "cqp", Quality: 40}, "end-usage=q min-quantizer=40 max-quantizer=40 cpu-used=6"},
		{"openh264enc", EncoderConfig{Preset: presetWords[media.PresetFastest]}, "complexity=low"},
		{"openh264enc", EncoderConfig{RateControl: "cqp", Quality: 30}, "rate-control=quality qp-min=30 qp-max=30"},
		{"vah264enc", EncoderConfig{Preset: presetWords[media.PresetBalanced], RateControl: "cqp", Quality: 26}, "rate-control=cqp qpi=26 qpp=26 qpb=26 target-usage=4"},
		{"vah264enc", EncoderConfig{RateControl: "vbr", Bitrate: 3_000_000, MaxBitrate: 4_000_000}, "rate-control=vbr bitrate=4000 target-percentage=75"},
		{"nvh264enc", EncoderConfig{Preset: presetWords[media.PresetBest], RateControl: "cbr", Bitrate: 5_000_000}, "rc-mode=cbr bitrate=5000 preset=hq"},
		{"v4l2h264enc", EncoderConfig{RateControl: "cbr", Bitrate: 1_000_000}, `extra-controls="controls,video_bitrate_mode=1,video_bitrate=1000000"`},
		{"lamemp3enc", EncoderConfig{Bitrate: 192_000}, "target=bitrate bitrate=192"},
	} {
		got, err := encoderProperties(c.el, c.cfg)
		if err != nil || got != c.want {
			t.Errorf("%s %+v: %q, %v; want %q", c.el, c.cfg, got, err, c.want)
		}
	}
	for _, c := range []struct {
		el   string
		cfg  EncoderConfig
		want string
	}{
		{"av1enc", EncoderConfig{RateControl: "crf", Quality: 30}, "cq-level"},
		{"vah264enc", EncoderConfig{RateControl: "crf", Quality: 30}, "ICQ"},
		{"nvh264enc", EncoderConfig{RateControl: "cqp", Quality: 30}, "not mapped"},
		{"opusenc", EncoderConfig{Bitrate: 1000}, "does not take bitrate=1000"},
	} {
		_, err := encoderProperties(c.el, c.cfg)
		var r *Refusal
		if !errors.As(err, &r) || !errors.Is(err, media.ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: %v, want a refusal saying %q", c.el, c.cfg, err, c.want)
		}
	}
}

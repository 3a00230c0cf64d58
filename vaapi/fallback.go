// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
)

// Chain joins VA stages into one stage running one GStreamer pipeline, for
// example a decoder, a scaler and an encoder: the elements then share one
// VA display, and surfaces pass from element to element without leaving
// the GPU and without the appsink/appsrc hops between separate stages. The
// stages must be on the same device. It fails for an empty chain or stages
// on different devices.
func Chain(stages ...*Stage) (*Stage, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("vaapi: empty chain")
	}
	var descs, names []string
	for _, s := range stages {
		if s == nil {
			return nil, fmt.Errorf("vaapi: nil stage in chain")
		}
		if s.device != stages[0].device {
			return nil, fmt.Errorf("vaapi: chain spans %s and %s: surfaces cannot pass between devices", stages[0].device, s.device)
		}
		descs = append(descs, s.Description)
		names = append(names, s.element)
	}
	return &Stage{
		Transform: gst.NewTransform[frame.Video, frame.Video](strings.Join(descs, " ! ")),
		name:      "vaapi-chain(" + strings.Join(names, ",") + ")",
		element:   stages[len(stages)-1].element,
		device:    stages[0].device,
	}, nil
}

// Chosen is a video transform picked by VideoDecoder or VideoEncoder, with
// a record of which kind it is, so an application (and its log) can say
// whether it runs on the GPU.
type Chosen struct {
	stage.Transform[frame.Video, frame.Video]
	// Hardware is true for a VA-API stage, false for the software one.
	Hardware bool
	// Element is the GStreamer element doing the work ("vah264dec",
	// "avdec_h264").
	Element string
	// Device is the render node of a hardware stage; empty otherwise.
	Device string
	// Why says, for a software stage, why the hardware one was not used
	// (the error NewDecoder or NewEncoder gave).
	Why error
}

// Name returns the chosen stage's name.
func (c *Chosen) Name() string { return stage.NameOf(c.Transform) }

// String says what was chosen and, for software, why.
func (c *Chosen) String() string {
	if c.Hardware {
		return fmt.Sprintf("hardware: %s on %s", c.Element, c.Device)
	}
	return fmt.Sprintf("software: %s (hardware unavailable: %v)", c.Element, c.Why)
}

// softwareDecoders and softwareEncoders are the CPU elements the fallback
// pins, so gst's own choice (which tries va* first) cannot pick hardware.
var softwareDecoders = map[frame.Format][]string{ //nolint:gochecknoglobals // a table: CPU decoders per codec, in order of preference
	frame.H264:  {"avdec_h264", "openh264dec"},
	frame.H265:  {"avdec_h265"},
	frame.VP8:   {"vp8dec", "avdec_vp8"},
	frame.VP9:   {"vp9dec", "avdec_vp9"},
	frame.AV1:   {"dav1ddec", "av1dec"},
	frame.MJPEG: {"jpegdec"},
}

var softwareEncoders = map[frame.Format][]string{ //nolint:gochecknoglobals // a table: CPU encoders per codec, in order of preference
	frame.H264: {"x264enc", "openh264enc"},
	frame.H265: {"x265enc"},
	frame.VP8:  {"vp8enc"},
	frame.VP9:  {"vp9enc"},
	frame.AV1:  {"svtav1enc", "av1enc", "rav1enc"},
}

// firstElement returns the first of names GStreamer has, or "" when none.
func firstElement(names []string) string {
	for _, n := range names {
		if hasElement(n) {
			return n
		}
	}
	return ""
}

// VideoDecoder returns the VA-API decoder (see NewDecoder) when a capable
// device and its va element exist, and otherwise the gst software decoder
// of the same codec, so an application written once runs on both kinds of
// machine. The software decoder's frames are CPU frames in cfg.Output
// (its own format when unset); cfg.Device and cfg.Memory apply to hardware
// only. It fails only when neither can decode the codec.
func VideoDecoder(cfg DecoderConfig) (*Chosen, error) {
	hw, hwErr := NewDecoder(cfg)
	return choose(hw, hwErr, "decoder", cfg.Codec, softwareDecoders[cfg.Codec], func(el string) (stage.Transform[frame.Video, frame.Video], error) {
		return gst.NewVideoDecoder(gst.DecoderConfig{Codec: cfg.Codec, Element: el, Output: cfg.Output})
	})
}

// VideoEncoder returns the VA-API encoder (see NewEncoder) when a capable
// device and its va element exist, and otherwise the gst software encoder
// of the same codec. Preset and LowLatency apply to software only; Device,
// LowPower, RateControl and QP to hardware only. It fails only when
// neither can encode the codec.
func VideoEncoder(cfg EncoderConfig) (*Chosen, error) {
	if cfg.Codec == frame.FormatUnknown {
		cfg.Codec = frame.H264
	}
	hw, hwErr := NewEncoder(cfg)
	return choose(hw, hwErr, "encoder", cfg.Codec, softwareEncoders[cfg.Codec], func(el string) (stage.Transform[frame.Video, frame.Video], error) {
		return gst.NewVideoEncoder(gst.EncoderConfig{
			Codec: cfg.Codec, Element: el, Bitrate: cfg.Bitrate, KeyframeInterval: cfg.KeyframeInterval,
			Preset: cfg.Preset, LowLatency: cfg.LowLatency,
		})
	})
}

// choose returns the hardware stage hw when it was made, and otherwise the
// software stage software makes with the first installed of candidates,
// recording why hardware was not used. A config error (hwErr a
// configError) is returned as it is: software would refuse it too.
func choose(hw *Stage, hwErr error, kind string, codec frame.Format, candidates []string,
	software func(el string) (stage.Transform[frame.Video, frame.Video], error),
) (*Chosen, error) {
	if errors.As(hwErr, new(configError)) {
		return nil, hwErr
	}
	if hwErr == nil {
		return &Chosen{Transform: hw, Hardware: true, Element: hw.element, Device: hw.device}, nil
	}
	el := firstElement(candidates)
	if el == "" {
		return nil, fmt.Errorf("vaapi: no %s for %v: hardware: %w; software: none of %s installed",
			kind, codec, hwErr, strings.Join(candidates, ", "))
	}
	sw, err := software(el)
	if err != nil {
		return nil, fmt.Errorf("vaapi: software %s: %w (hardware: %w)", kind, err, hwErr)
	}
	return &Chosen{Transform: sw, Element: el, Why: hwErr}, nil
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"fmt"
	"strings"

	"github.com/spinorml/streamer/frame"
)

// Preset names trade encoding speed for quality, as x264's do.
var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"}

// EncoderConfig says what to encode to and how. Zero values leave the
// element's defaults.
type EncoderConfig struct {
	// Codec is the output format: H264, H265, VP8, VP9, AV1, Opus or AAC.
	Codec frame.Format
	// Element names the GStreamer encoder to use ("openh264enc"); empty
	// picks the best available, hardware first (va*, nv*), then software.
	Element string
	// Bitrate in bits per second.
	Bitrate int
	// KeyframeInterval is the most frames between keyframes.
	KeyframeInterval int
	// Preset is a speed preset, "ultrafast" to "veryslow", mapped onto
	// each element's own knob (speed-preset, cpu-used, ...).
	Preset string
	// LowLatency tunes for live use: no lookahead, no B-frames.
	LowLatency bool
	// Properties are more "name=value" settings for the element.
	Properties string
}

// encoderElements lists, per codec, the elements to try in order.
// Hardware first: VA-API (va*), NVIDIA (nv*), then V4L2 memory-to-memory
// codecs (v4l2*, as on ARM boards); each registers only where its device
// exists.
var encoderElements = map[frame.Format][]string{
	frame.H264: {"vah264enc", "vah264lpenc", "nvh264enc", "v4l2h264enc", "x264enc", "openh264enc"},
	frame.H265: {"vah265enc", "vah265lpenc", "nvh265enc", "v4l2h265enc", "x265enc"},
	frame.VP8:  {"vavp8enc", "v4l2vp8enc", "vp8enc"},
	frame.VP9:  {"vavp9enc", "v4l2vp9enc", "vp9enc"},
	frame.AV1:  {"vaav1enc", "nvav1enc", "svtav1enc", "av1enc", "rav1enc"},
	frame.Opus: {"opusenc"},
	frame.AAC:  {"avenc_aac", "fdkaacenc", "voaacenc"},
}

// decoderElements lists, per codec, the parser and the decoders to try.
var decoderElements = map[frame.Format]struct {
	parser   string
	decoders []string
}{
	frame.H264:  {"h264parse", []string{"vah264dec", "nvh264dec", "v4l2h264dec", "v4l2slh264dec", "avdec_h264", "openh264dec"}},
	frame.H265:  {"h265parse", []string{"vah265dec", "nvh265dec", "v4l2h265dec", "v4l2slh265dec", "avdec_h265"}},
	frame.VP8:   {"", []string{"vavp8dec", "v4l2vp8dec", "v4l2slvp8dec", "vp8dec"}},
	frame.VP9:   {"vp9parse", []string{"vavp9dec", "v4l2vp9dec", "v4l2slvp9dec", "vp9dec"}},
	frame.AV1:   {"av1parse", []string{"vaav1dec", "dav1ddec", "av1dec"}},
	frame.MJPEG: {"jpegparse", []string{"v4l2jpegdec", "jpegdec"}},
	frame.Opus:  {"", []string{"opusdec"}},
	frame.AAC:   {"aacparse", []string{"avdec_aac", "faad"}},
	frame.MP3:   {"mpegaudioparse", []string{"avdec_mp3", "mpg123audiodec"}},
}

// parsers after encoders make the output self-delimited (see encodedCaps).
var encoderParsers = map[frame.Format]string{
	frame.H264: "h264parse config-interval=-1",
	frame.H265: "h265parse config-interval=-1",
	frame.AV1:  "av1parse",
	frame.AAC:  "aacparse",
}

// encoderProperties turns cfg into the element's own property names.
func encoderProperties(element string, cfg EncoderConfig) (string, error) {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	speed := -1
	if cfg.Preset != "" {
		for i, name := range presets {
			if name == cfg.Preset {
				speed = i
			}
		}
		if speed < 0 {
			return "", fmt.Errorf("gst: unknown preset %q (want one of %s)", cfg.Preset, strings.Join(presets, ", "))
		}
	}
	kbps := (cfg.Bitrate + 500) / 1000
	switch {
	case element == "x264enc" || element == "x265enc":
		if cfg.Bitrate > 0 {
			add("bitrate=%d", kbps)
		}
		if cfg.KeyframeInterval > 0 {
			add("key-int-max=%d", cfg.KeyframeInterval)
		}
		if speed >= 0 {
			add("speed-preset=%s", cfg.Preset)
		}
		if cfg.LowLatency {
			add("tune=zerolatency")
		}
	case element == "openh264enc":
		if cfg.Bitrate > 0 {
			add("bitrate=%d", cfg.Bitrate)
		}
		if cfg.KeyframeInterval > 0 {
			add("gop-size=%d", cfg.KeyframeInterval)
		}
		if speed >= 0 {
			add("complexity=%s", []string{"low", "medium", "high"}[min(speed/3, 2)])
		}
	case element == "vp8enc" || element == "vp9enc":
		if cfg.Bitrate > 0 {
			add("target-bitrate=%d", cfg.Bitrate)
		}
		if cfg.KeyframeInterval > 0 {
			add("keyframe-max-dist=%d", cfg.KeyframeInterval)
		}
		if speed >= 0 {
			add("cpu-used=%d", 16-2*speed)
		}
		add("deadline=1") // realtime: libvpx's good-quality mode is far slower than any preset asks
		if cfg.LowLatency {
			add("lag-in-frames=0")
		}
	case element == "av1enc":
		if cfg.Bitrate > 0 {
			add("target-bitrate=%d", kbps)
		}
		if cfg.KeyframeInterval > 0 {
			add("keyframe-max-dist=%d", cfg.KeyframeInterval)
		}
		if speed < 0 {
			speed = 2 // libaom's default, cpu-used=0, runs at a frame a second
		}
		add("cpu-used=%d", min(8-speed, 8))
		if cfg.LowLatency {
			add("usage-profile=realtime lag-in-frames=0")
		}
	case strings.HasPrefix(element, "va") || strings.HasPrefix(element, "nv"):
		if cfg.Bitrate > 0 {
			add("bitrate=%d", kbps)
		}
		if cfg.KeyframeInterval > 0 {
			if strings.HasPrefix(element, "nv") {
				add("gop-size=%d", cfg.KeyframeInterval)
			} else {
				add("key-int-max=%d", cfg.KeyframeInterval)
			}
		}
	case strings.HasPrefix(element, "v4l2"):
		// V4L2 codec controls, set through one structure.
		var controls []string
		if cfg.Bitrate > 0 {
			controls = append(controls, fmt.Sprintf("video_bitrate=%d", cfg.Bitrate))
		}
		if cfg.KeyframeInterval > 0 {
			controls = append(controls, fmt.Sprintf("video_gop_size=%d", cfg.KeyframeInterval))
			if element == "v4l2h264enc" {
				controls = append(controls, fmt.Sprintf("h264_i_frame_period=%d", cfg.KeyframeInterval))
			}
		}
		if len(controls) > 0 {
			add(`extra-controls="controls,%s"`, strings.Join(controls, ","))
		}
	case element == "opusenc" || element == "avenc_aac" || element == "voaacenc" || element == "fdkaacenc":
		if cfg.Bitrate > 0 {
			add("bitrate=%d", cfg.Bitrate)
		}
	}
	if cfg.Properties != "" {
		p = append(p, cfg.Properties)
	}
	return strings.Join(p, " "), nil
}

// pickElement returns the element to use: the one asked for (which must
// exist), or the first available candidate.
func pickElement(kind string, asked string, candidates []string, codec frame.Format) (string, error) {
	if asked != "" {
		if !HasElement(asked) {
			return "", missingElement(asked, "")
		}
		return asked, nil
	}
	if len(candidates) == 0 {
		return "", fmt.Errorf("gst: no %s for %v", kind, codec)
	}
	if e, ok := firstAvailable(candidates...); ok {
		return e, nil
	}
	last := candidates[len(candidates)-1]
	return "", fmt.Errorf("gst: no %s for %v is installed (tried %s): %w", kind, codec, strings.Join(candidates, ", "), missingElement(last, ""))
}

// NewVideoEncoder returns a transform from raw video to cfg.Codec. It
// fails at once when no element can do it. Raw input in any format is
// converted (videoconvert, a no-op when the encoder takes the format);
// output frames are self-delimited (H264/H265 Annex B with parameter sets
// before each keyframe, AV1 temporal units), with the keyframe flag set.
func NewVideoEncoder(cfg EncoderConfig) (*Transform[frame.Video, frame.Video], error) {
	if cfg.Codec == frame.FormatUnknown {
		cfg.Codec = frame.H264
	}
	if !cfg.Codec.IsVideo() || !cfg.Codec.IsEncoded() {
		return nil, fmt.Errorf("gst: %v is not a video codec", cfg.Codec)
	}
	desc, el, err := encoderDescription("videoconvert", cfg)
	if err != nil {
		return nil, err
	}
	return &Transform[frame.Video, frame.Video]{Description: desc, name: "gst-encoder(" + el + ")"}, nil
}

// NewAudioEncoder returns a transform from raw audio to cfg.Codec (Opus or
// AAC; AAC frames come out as ADTS).
func NewAudioEncoder(cfg EncoderConfig) (*Transform[frame.Audio, frame.Audio], error) {
	if cfg.Codec == frame.FormatUnknown {
		cfg.Codec = frame.Opus
	}
	if !cfg.Codec.IsAudio() || !cfg.Codec.IsEncoded() {
		return nil, fmt.Errorf("gst: %v is not an audio codec", cfg.Codec)
	}
	desc, el, err := encoderDescription("audioconvert ! audioresample", cfg)
	if err != nil {
		return nil, err
	}
	return &Transform[frame.Audio, frame.Audio]{Description: desc, name: "gst-encoder(" + el + ")"}, nil
}

func encoderDescription(convert string, cfg EncoderConfig) (desc, element string, err error) {
	Init()
	el, err := pickElement("encoder", cfg.Element, encoderElements[cfg.Codec], cfg.Codec)
	if err != nil {
		return "", "", err
	}
	props, err := encoderProperties(el, cfg)
	if err != nil {
		return "", "", err
	}
	parts := []string{convert, strings.TrimSpace(el + " " + props)}
	if p := encoderParsers[cfg.Codec]; p != "" {
		parts = append(parts, p)
	}
	parts = append(parts, encodedCaps[cfg.Codec])
	return strings.Join(parts, " ! "), strings.Fields(el)[0], nil
}

// DecoderConfig says what to decode.
type DecoderConfig struct {
	// Codec is the input format; frames of another format are an error.
	Codec frame.Format
	// Element names the GStreamer decoder; empty picks the best available,
	// hardware first.
	Element string
	// Output, when set, converts decoded video to this raw format.
	Output frame.Format
	// FailOnError makes the first undecodable frame end the stage with the
	// decoder's error (GstVideoDecoder/GstAudioDecoder max-errors=0).
	// By default, as in GStreamer, decoders conceal damage and go on.
	FailOnError bool
}

// NewVideoDecoder returns a transform from cfg.Codec frames to raw video.
// Frames decoded before a corrupt or truncated bitstream are delivered, then
// the decoder's error is returned.
func NewVideoDecoder(cfg DecoderConfig) (*Transform[frame.Video, frame.Video], error) {
	desc, el, err := decoderDescription(cfg, true)
	if err != nil {
		return nil, err
	}
	return &Transform[frame.Video, frame.Video]{Description: desc, name: "gst-decoder(" + el + ")"}, nil
}

// NewAudioDecoder returns a transform from cfg.Codec frames to raw audio.
func NewAudioDecoder(cfg DecoderConfig) (*Transform[frame.Audio, frame.Audio], error) {
	desc, el, err := decoderDescription(cfg, false)
	if err != nil {
		return nil, err
	}
	return &Transform[frame.Audio, frame.Audio]{Description: desc, name: "gst-decoder(" + el + ")"}, nil
}

func decoderDescription(cfg DecoderConfig, video bool) (desc, element string, err error) {
	Init()
	if !cfg.Codec.IsEncoded() || cfg.Codec.IsVideo() != video {
		kind := "audio"
		if video {
			kind = "video"
		}
		return "", "", fmt.Errorf("gst: %v is not a %s codec", cfg.Codec, kind)
	}
	d := decoderElements[cfg.Codec]
	el, err := pickElement("decoder", cfg.Element, d.decoders, cfg.Codec)
	if err != nil {
		return "", "", err
	}
	var parts []string
	if d.parser != "" && HasElement(d.parser) {
		parts = append(parts, d.parser)
	}
	if cfg.FailOnError {
		el += " max-errors=0"
	}
	parts = append(parts, el)
	if video {
		parts = append(parts, "videoconvert")
		if name, ok := rawVideo[cfg.Output]; ok {
			parts = append(parts, "video/x-raw,format="+name)
		} else if cfg.Output != frame.FormatUnknown {
			return "", "", fmt.Errorf("gst: %v is not a raw video format", cfg.Output)
		}
	} else {
		parts = append(parts, "audioconvert")
	}
	return strings.Join(parts, " ! "), strings.Fields(el)[0], nil
}

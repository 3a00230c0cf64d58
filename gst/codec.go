// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"fmt"
	"strings"

	"github.com/spinorml/streamer/frame"
)

// EncoderConfig says what to encode to and how. Zero values leave the
// element's defaults.
type EncoderConfig struct {
	// Codec is the output format: H264, H265, VP8, VP9, AV1, Opus, AAC or
	// MP3.
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
	// RateControl says how the encoder spends bits: "" leaves the
	// element's own mode (Bitrate, when set, is its target); "crf" is
	// constant quality Quality, "cqp" the constant quantizer Quality,
	// "cbr" a constant Bitrate, "vbr" a variable rate averaging Bitrate
	// (at most MaxBitrate when set). An element that cannot do what is
	// asked refuses with a *Refusal that says why.
	RateControl string
	// Quality is the CRF or QP, on the codec's scale (0–51 for H.264 and
	// H.265, 0–63 for VP8, VP9 and AV1).
	Quality int
	// MaxBitrate in bits per second, for "vbr".
	MaxBitrate int
	// Profile is the codec profile in GStreamer's caps words ("high",
	// "main-10", "0" for VP9), asked of the encoder by a caps filter after
	// it; an element whose output cannot have it refuses.
	Profile string
	// Threads is the encoder's thread count; 0 lets it choose. Hardware
	// encoders have none and ignore it.
	Threads int
	// Properties are more "name=value" settings for the element.
	Properties string
}

// encoderElements lists, per codec, the elements to try in order.
// Hardware first: VA-API (va*), NVIDIA (nv*), then V4L2 memory-to-memory
// codecs (v4l2*, as on ARM boards); each registers only where its device
// exists.
var encoderElements = map[frame.Format][]string{ //nolint:gochecknoglobals // a table: encoders per format, in order of preference
	frame.H264: {"vah264enc", "vah264lpenc", "nvh264enc", "v4l2h264enc", "x264enc", "openh264enc"},
	frame.H265: {"vah265enc", "vah265lpenc", "nvh265enc", "v4l2h265enc", "x265enc"},
	frame.VP8:  {"vavp8enc", "v4l2vp8enc", "vp8enc"},
	frame.VP9:  {"vavp9enc", "v4l2vp9enc", "vp9enc"},
	frame.AV1:  {"vaav1enc", "nvav1enc", "svtav1enc", "av1enc", "rav1enc"},
	frame.Opus: {"opusenc"},
	frame.AAC:  {"avenc_aac", "fdkaacenc", "voaacenc"},
	frame.MP3:  {"lamemp3enc"},
}

// decoderElements lists, per codec, the decoders to try.
var decoderElements = map[frame.Format][]string{ //nolint:gochecknoglobals // a table: decoders per format, in order of preference
	frame.H264:  {"vah264dec", "nvh264dec", "v4l2h264dec", "v4l2slh264dec", "avdec_h264", "openh264dec"},
	frame.H265:  {"vah265dec", "nvh265dec", "v4l2h265dec", "v4l2slh265dec", "avdec_h265"},
	frame.VP8:   {"vavp8dec", "v4l2vp8dec", "v4l2slvp8dec", "vp8dec"},
	frame.VP9:   {"vavp9dec", "v4l2vp9dec", "v4l2slvp9dec", "vp9dec"},
	frame.AV1:   {"vaav1dec", "dav1ddec", "av1dec"},
	frame.MJPEG: {"v4l2jpegdec", "jpegdec"},
	frame.Opus:  {"opusdec"},
	frame.AAC:   {"avdec_aac", "faad"},
	frame.MP3:   {"avdec_mp3", "mpg123audiodec"},
}

// parsers name each encoded format's GStreamer parser, which frames its
// stream for a decoder or a muxer and converts between the stream formats
// they take (Annex B and avcC, ADTS and raw AAC, ...). VP8 has none.
var parsers = map[frame.Format]string{ //nolint:gochecknoglobals // a table: the parser of each format
	frame.H264: "h264parse", frame.H265: "h265parse", frame.VP9: "vp9parse", frame.AV1: "av1parse",
	frame.MJPEG: "jpegparse", frame.AAC: "aacparse", frame.MP3: "mpegaudioparse", frame.Opus: "opusparse",
}

// parseAfterEncoder lists the formats whose encoders' output a parser
// makes self-delimited (see encodedCaps), with the parser's settings:
// H.264 and H.265 parameter sets before every keyframe.
var parseAfterEncoder = map[frame.Format]string{ //nolint:gochecknoglobals // a table: what follows an encoder of each format
	frame.H264: "config-interval=-1", frame.H265: "config-interval=-1", frame.AV1: "", frame.AAC: "",
}

// muxers name the GStreamer muxer of each container of media.Containers.
var muxers = map[string]string{ //nolint:gochecknoglobals // a table: the muxer of each container
	"mp4": "mp4mux", "mov": "qtmux", "matroska": "matroskamux", "webm": "webmmux", "mpegts": "mpegtsmux", "flv": "flvmux",
}

// Muxer returns the GStreamer muxer element for a container named as in
// media.Containers ("mp4" gives "mp4mux"), and false for a container
// GStreamer has no muxer for here (y4m) or an unknown name. It does not
// check that the element is installed (see HasElement).
func Muxer(container string) (string, bool) {
	m, ok := muxers[container]
	return m, ok
}

// MuxParser returns the launch fragment that readies frames of format f
// for a muxer: its parser (h264parse turns Annex B into avcC for MP4,
// vp9parse gives mp4mux the VP9 profile, ...), or "identity" when f has
// none or it is not installed.
func MuxParser(f frame.Format) string {
	if p, ok := parsers[f]; ok && HasElement(p) {
		return p
	}
	return "identity"
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
	return newEncoder[frame.Video](cfg, frame.H264, "videoconvert")
}

// NewAudioEncoder returns a transform from raw audio to cfg.Codec (Opus or
// AAC; AAC frames come out as ADTS).
func NewAudioEncoder(cfg EncoderConfig) (*Transform[frame.Audio, frame.Audio], error) {
	return newEncoder[frame.Audio](cfg, frame.Opus, "audioconvert ! audioresample")
}

// newEncoder returns an encoder of frames T to cfg.Codec (def when unset)
// after convert; it fails for a codec of the other kind.
func newEncoder[T frame.Frame](cfg EncoderConfig, def frame.Format, convert string) (*Transform[T, T], error) {
	if cfg.Codec == frame.FormatUnknown {
		cfg.Codec = def
	}
	kind, ok := "an audio", cfg.Codec.IsAudio()
	if isVideo[T]() {
		kind, ok = "a video", cfg.Codec.IsVideo()
	}
	if !ok || !cfg.Codec.IsEncoded() {
		return nil, fmt.Errorf("gst: %v is not %s codec", cfg.Codec, kind)
	}
	desc, el, err := encoderDescription(convert, cfg)
	if err != nil {
		return nil, err
	}
	return &Transform[T, T]{Description: desc, name: "gst-encoder(" + el + ")"}, nil
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
	if cfg.Profile != "" {
		filter, err := profileFilter(el, cfg.Codec, cfg.Profile)
		if err != nil {
			return "", "", err
		}
		parts = append(parts, filter)
	}
	if settings, ok := parseAfterEncoder[cfg.Codec]; ok {
		parts = append(parts, strings.TrimSpace(parsers[cfg.Codec]+" "+settings))
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
	el, err := pickElement("decoder", cfg.Element, decoderElements[cfg.Codec], cfg.Codec)
	if err != nil {
		return "", "", err
	}
	var parts []string
	if p := parsers[cfg.Codec]; p != "" && HasElement(p) {
		parts = append(parts, p)
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

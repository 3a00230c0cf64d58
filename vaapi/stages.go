// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
)

// Memory says where a VA stage leaves its output frames.
type Memory uint8

const (
	// VAMemory keeps frames as VA surfaces in GstBuffers
	// (video/x-raw(memory:VAMemory)): nothing is downloaded until a stage
	// asks for bytes (gst.FrameData reports frame.VASurface and counts the
	// download). The default.
	VAMemory Memory = iota
	// DMABuf exports surfaces as DMA buffers (video/x-raw(memory:DMABuf)),
	// for consumers outside VA-API (GL, another device).
	DMABuf
	// SystemMemory downloads frames inside GStreamer (the va element maps
	// the surface): plain CPU frames for stages that want bytes anyway.
	SystemMemory
)

func (m Memory) String() string {
	switch m {
	case VAMemory:
		return "VAMemory"
	case DMABuf:
		return "DMABuf"
	case SystemMemory:
		return "SystemMemory"
	}
	return fmt.Sprintf("Memory(%d)", uint8(m))
}

// capsFeature is the caps prefix for m.
func (m Memory) caps() string {
	switch m {
	case DMABuf:
		return "video/x-raw(memory:DMABuf)"
	case SystemMemory:
		return "video/x-raw"
	}
	return "video/x-raw(memory:VAMemory)"
}

// surfaceFormats are the raw formats VA surfaces come in that streamer has
// a Format for, with GStreamer's names (P010 has no streamer format yet).
var surfaceFormats = map[frame.Format]string{ //nolint:gochecknoglobals // a table: VA surface formats' GStreamer names
	frame.NV12: "NV12", frame.I420: "I420", frame.YUY2: "YUY2",
	frame.RGBA: "RGBA", frame.BGRA: "BGRA",
}

// vaPackage is where GStreamer's va plugin comes from on Debian.
const vaPackage = "gstreamer1.0-plugins-bad"

// ErrMissingElement is wrapped by errors about a va element GStreamer does
// not have although a capable device exists.
var ErrMissingElement = gst.ErrMissingElement //nolint:gochecknoglobals // a sentinel error, gst's, so errors.Is matches either

// ErrUnsupported is wrapped by errors about a device that cannot do what
// was asked (no such profile or entrypoint).
var ErrUnsupported = errors.New("not supported by the device")

// Stage is a VA-API stage: a gst.Transform running the va elements, with
// the device and element it uses.
type Stage struct {
	*gst.Transform[frame.Video, frame.Video]
	name    string
	element string
	device  string
}

// Name returns "vaapi-decoder(vah264dec)" and the like.
func (s *Stage) Name() string { return s.name }

// Element returns the va element doing the work, e.g. "vah264dec".
func (s *Stage) Element() string { return s.element }

// Device returns the render node the element runs on.
func (s *Stage) Device() string { return s.device }

// DecoderConfig says what to decode on the GPU.
type DecoderConfig struct {
	// Codec is the input: H264, H265, VP8, VP9, AV1 or MJPEG.
	Codec frame.Format
	// Device is the render node to use; empty picks the first device that
	// can decode Codec.
	Device string
	// Memory is where decoded frames stay: VA surfaces by default.
	Memory Memory
	// Output, when set, converts on the GPU (vapostproc) to this raw
	// format: NV12, I420, YUY2, RGBA or BGRA. Decoders give NV12 (P010
	// for 10-bit streams) by themselves.
	Output frame.Format
}

// EncoderConfig says what to encode on the GPU.
type EncoderConfig struct {
	// Codec is the output: H264 or H265 (GStreamer 1.22's va plugin has
	// no VP9 or AV1 encoder; 1.24 adds them).
	Codec frame.Format
	// Device is the render node to use; empty picks the first device that
	// can encode Codec.
	Device string
	// LowPower uses the fixed-function encoder (EncSliceLP: vah264lpenc),
	// which some Intel parts (Ice Lake and later) offer alone or faster.
	LowPower bool
	// Bitrate in bits per second (CBR and VBR).
	Bitrate int
	// RateControl is "cbr", "vbr" or "cqp"; empty leaves the element's
	// default.
	RateControl string
	// QP is the quantiser for every frame type under "cqp".
	QP int
	// KeyframeInterval is the most frames between keyframes.
	KeyframeInterval int
	// Properties are more "name=value" settings for the element.
	Properties string

	// Preset and LowLatency apply to the software fallback only
	// (VideoEncoder): see gst.EncoderConfig.
	Preset     string
	LowLatency bool
}

// ScalerConfig says how to scale and convert on the GPU (vapostproc).
type ScalerConfig struct {
	// Width and Height of the output; zero keeps the input's.
	Width, Height int
	// Format of the output: NV12, I420, YUY2, RGBA or BGRA; unknown keeps
	// the input's.
	Format frame.Format
	// Device is the render node to use; empty picks the first device with
	// video processing.
	Device string
	// Memory is where output frames stay: VA surfaces by default.
	Memory Memory
}

// configError marks an error in a config itself (not in the machine), which
// the fallback helpers return rather than fall back from.
type configError struct{ error }

func (e configError) Unwrap() error { return e.error }

// pickDevice returns the device to run op for codec f on: the one asked
// for, or the first that can. The error says which device is missing, which
// failed to open and why, or that none can do it.
func pickDevice(asked string, f frame.Format, op Op) (Device, error) {
	devs, err := listDevices()
	if err != nil {
		return Device{}, err
	}
	what := fmt.Sprintf("%v %v", op, f)
	if op == OpProcess {
		what = "video processing"
	}
	if asked != "" {
		asked = filepath.Clean(asked)
		for _, d := range devs {
			if d.Path != asked {
				continue
			}
			if d.Err != nil {
				return Device{}, fmt.Errorf("%w: %w", ErrNoDevice, d.Err)
			}
			if !can(d, f, op) {
				return Device{}, fmt.Errorf("vaapi: %s (%s) cannot %s: %w", d.Path, d.Vendor, what, ErrUnsupported)
			}
			return d, nil
		}
		return Device{}, fmt.Errorf("%w: %s does not exist (render nodes here: %s)", ErrNoDevice, asked, pathsOf(devs))
	}
	if len(devs) == 0 {
		return Device{}, noDeviceError()
	}
	var failed joined
	var unable []string
	for _, d := range devs {
		switch {
		case d.Err != nil:
			failed = append(failed, d.Err)
		case can(d, f, op):
			return d, nil
		default:
			unable = append(unable, fmt.Sprintf("%s (%s)", d.Path, d.Vendor))
		}
	}
	if len(unable) == 0 {
		return Device{}, fmt.Errorf("%w: no render node opens: %w", ErrNoDevice, failed)
	}
	err = fmt.Errorf("vaapi: no device can %s: %s cannot: %w", what, strings.Join(unable, ", "), ErrUnsupported)
	if len(failed) > 0 {
		return Device{}, append(joined{err}, failed...)
	}
	return Device{}, err
}

// joined is errors.Join on one line: "a; b".
type joined []error

func (j joined) Error() string {
	var s []string
	for _, e := range j {
		s = append(s, e.Error())
	}
	return strings.Join(s, "; ")
}

func (j joined) Unwrap() []error { return j }

func can(d Device, f frame.Format, op Op) bool {
	if op == OpEncode && f == frame.MJPEG {
		return false // GStreamer 1.22 has no vajpegenc
	}
	return d.Caps.Can(f, op)
}

func pathsOf(devs []Device) string {
	if len(devs) == 0 {
		return "none"
	}
	var ps []string
	for _, d := range devs {
		ps = append(ps, d.Path)
	}
	return strings.Join(ps, ", ")
}

// ElementName returns the name GStreamer's va plugin gives element base
// ("h264dec", "postproc") on d: "vah264dec" on the first device that opens,
// "varenderD129h264dec" on the others.
func (d Device) ElementName(base string) string {
	if d.index == 0 {
		return "va" + base
	}
	return "va" + filepath.Base(d.Path) + base
}

// element returns d's element for base, or an error naming it and the
// package when GStreamer does not have it.
func element(d Device, base string) (string, error) {
	name := d.ElementName(base)
	if !hasElement(name) {
		return "", fmt.Errorf("vaapi: %w %q for %s (install %s; its va plugin registers %s only when the driver reports the capability: check gst-inspect-1.0 va)",
			ErrMissingElement, name, d.Path, vaPackage, name)
	}
	return name, nil
}

// decoderBases are the va decoder names by codec.
var decoderBases = map[frame.Format]string{ //nolint:gochecknoglobals // a table: va decoder per codec
	frame.H264: "h264dec", frame.H265: "h265dec", frame.VP8: "vp8dec",
	frame.VP9: "vp9dec", frame.AV1: "av1dec", frame.MJPEG: "jpegdec",
}

// decoderParsers frame the input for the decoder, as gst's decoders do.
var decoderParsers = map[frame.Format]string{ //nolint:gochecknoglobals // a table: parser before each va decoder
	frame.H264: "h264parse", frame.H265: "h265parse", frame.VP9: "vp9parse",
	frame.AV1: "av1parse", frame.MJPEG: "jpegparse",
}

// encoderBases are the va encoder names by codec and low-power mode.
var encoderBases = map[frame.Format][2]string{ //nolint:gochecknoglobals // a table: va encoders per codec
	frame.H264: {"h264enc", "h264lpenc"},
	frame.H265: {"h265enc", "h265lpenc"},
}

// encoderOutput makes encoded output self-delimited, as gst's encoders do.
var encoderOutput = map[frame.Format]string{ //nolint:gochecknoglobals // a table: what follows each va encoder
	frame.H264: "h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au",
	frame.H265: "h265parse config-interval=-1 ! video/x-h265,stream-format=byte-stream,alignment=au",
}

// NewDecoder returns a stage decoding cfg.Codec on the GPU, frames left as
// VA surfaces (cfg.Memory). It fails at once, naming what is missing: no
// render node, a node that does not open (and why), a device that cannot
// decode the codec, or a va element GStreamer lacks.
func NewDecoder(cfg DecoderConfig) (*Stage, error) {
	base, ok := decoderBases[cfg.Codec]
	if !ok {
		return nil, fmt.Errorf("vaapi: cannot decode %v (want H264, H265, VP8, VP9, AV1 or MJPEG)", cfg.Codec)
	}
	out, err := outputCaps(cfg.Memory, cfg.Output, 0, 0)
	if err != nil {
		return nil, err
	}
	d, err := pickDevice(cfg.Device, cfg.Codec, OpDecode)
	if err != nil {
		return nil, err
	}
	el, err := element(d, base)
	if err != nil {
		return nil, err
	}
	var parts []string
	if p := decoderParsers[cfg.Codec]; p != "" && hasElement(p) {
		parts = append(parts, p)
	}
	parts = append(parts, el)
	if cfg.Output != frame.FormatUnknown || cfg.Memory != VAMemory {
		pp, err := element(d, "postproc")
		if err != nil {
			return nil, err
		}
		parts = append(parts, pp)
	}
	parts = append(parts, out)
	return newStage("vaapi-decoder", el, d, parts), nil
}

// NewEncoder returns a stage encoding raw video to cfg.Codec on the GPU.
// VA surfaces go straight in; CPU frames are uploaded by vapostproc, which
// also converts them to NV12. Output frames are self-delimited (Annex B
// with parameter sets before each keyframe). It fails at once like
// NewDecoder.
func NewEncoder(cfg EncoderConfig) (*Stage, error) {
	if cfg.Codec == frame.FormatUnknown {
		cfg.Codec = frame.H264
	}
	props, err := encoderProps(cfg)
	if err != nil {
		return nil, err
	}
	bases, ok := encoderBases[cfg.Codec]
	if !ok {
		return nil, fmt.Errorf("vaapi: cannot encode %v (GStreamer 1.22's va plugin encodes H264 and H265)", cfg.Codec)
	}
	op, base := OpEncode, bases[0]
	if cfg.LowPower {
		op, base = OpEncodeLowPower, bases[1]
	}
	d, pp, err := pickWithPostproc(cfg.Device, cfg.Codec, op)
	if err != nil {
		return nil, err
	}
	el, err := element(d, base)
	if err != nil {
		return nil, err
	}
	parts := []string{
		pp, "video/x-raw(memory:VAMemory),format=NV12",
		strings.TrimSpace(el + " " + props),
		encoderOutput[cfg.Codec],
	}
	return newStage("vaapi-encoder", el, d, parts), nil
}

// encoderProps maps cfg onto vah264enc's and vah265enc's properties.
func encoderProps(cfg EncoderConfig) (string, error) {
	var p []string
	switch cfg.RateControl {
	case "":
	case "cbr", "vbr", "cqp":
		p = append(p, "rate-control="+cfg.RateControl)
	default:
		return "", configError{fmt.Errorf("vaapi: unknown rate control %q (want cbr, vbr or cqp)", cfg.RateControl)}
	}
	if cfg.Bitrate > 0 {
		p = append(p, fmt.Sprintf("bitrate=%d", (cfg.Bitrate+500)/1000))
	}
	if cfg.QP > 0 {
		if cfg.RateControl != "cqp" {
			return "", configError{fmt.Errorf("vaapi: QP %d needs rate control cqp", cfg.QP)}
		}
		p = append(p, fmt.Sprintf("qpi=%d qpp=%d qpb=%d", cfg.QP, cfg.QP, cfg.QP))
	}
	if cfg.KeyframeInterval > 0 {
		p = append(p, fmt.Sprintf("key-int-max=%d", cfg.KeyframeInterval))
	}
	if cfg.Properties != "" {
		p = append(p, cfg.Properties)
	}
	return strings.Join(p, " "), nil
}

// NewScaler returns a stage that scales and converts on the GPU with
// vapostproc, frames left as VA surfaces (cfg.Memory). CPU frames are
// uploaded first. It fails at once like NewDecoder.
func NewScaler(cfg ScalerConfig) (*Stage, error) {
	if cfg.Width < 0 || cfg.Height < 0 {
		return nil, fmt.Errorf("vaapi: bad scaler size %dx%d", cfg.Width, cfg.Height)
	}
	out, err := outputCaps(cfg.Memory, cfg.Format, cfg.Width, cfg.Height)
	if err != nil {
		return nil, err
	}
	d, pp, err := pickWithPostproc(cfg.Device, frame.FormatUnknown, OpProcess)
	if err != nil {
		return nil, err
	}
	return newStage("vaapi-scaler", pp, d, []string{pp, out}), nil
}

// pickWithPostproc picks the device as pickDevice does and returns its
// vapostproc element, which uploads, converts and scales ahead of an
// encoder or as a scaler.
func pickWithPostproc(asked string, f frame.Format, op Op) (Device, string, error) {
	d, err := pickDevice(asked, f, op)
	if err != nil {
		return Device{}, "", err
	}
	pp, err := element(d, "postproc")
	return d, pp, err
}

// outputCaps returns the caps filter ending a VA stage.
func outputCaps(m Memory, f frame.Format, w, h int) (string, error) {
	if m > SystemMemory {
		return "", configError{fmt.Errorf("vaapi: unknown memory %v", m)}
	}
	s := m.caps()
	if f != frame.FormatUnknown {
		name, ok := surfaceFormats[f]
		if !ok {
			return "", fmt.Errorf("vaapi: %v is not a VA surface format (want NV12, I420, YUY2, RGBA or BGRA)", f)
		}
		s += ",format=" + name
	}
	if w > 0 {
		s += fmt.Sprintf(",width=%d", w)
	}
	if h > 0 {
		s += fmt.Sprintf(",height=%d", h)
	}
	return s, nil
}

func newStage(kind, el string, d Device, parts []string) *Stage {
	return &Stage{
		Transform: gst.NewTransform[frame.Video, frame.Video](strings.Join(parts, " ! ")),
		name:      kind + "(" + el + ")",
		element:   el,
		device:    d.Path,
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinorml/streamer/frame"
)

// constructors makes each VA stage with a config that is valid.
var constructors = map[string]func() (*Stage, error){
	"decoder": func() (*Stage, error) { return NewDecoder(DecoderConfig{Codec: frame.H264}) },
	"encoder": func() (*Stage, error) { return NewEncoder(EncoderConfig{Codec: frame.H264}) },
	"scaler":  func() (*Stage, error) { return NewScaler(ScalerConfig{Width: 640, Height: 360}) },
}

func TestConstructorsWithoutARenderNode(t *testing.T) {
	dir := t.TempDir()
	setVar(t, &deviceDir, dir)
	want := "vaapi: no VA-API device: " + dir + "/renderD* does not exist (install a GPU driver: intel-media-va-driver or mesa-va-drivers)"
	for name, mk := range constructors {
		s, err := mk()
		if s != nil || err == nil || err.Error() != want || !errors.Is(err, ErrNoDevice) {
			t.Errorf("%s: %v, %v; want %q wrapping ErrNoDevice", name, s, err, want)
		}
	}
}

// On this machine, with the real /dev/dri: the exact message.
func TestConstructorsHereWithoutAGPU(t *testing.T) {
	if nodes, _ := filepath.Glob("/dev/dri/renderD*"); len(nodes) > 0 {
		t.Skipf("this machine has %v", nodes)
	}
	const want = "vaapi: no VA-API device: /dev/dri/renderD* does not exist (install a GPU driver: intel-media-va-driver or mesa-va-drivers)"
	for name, mk := range constructors {
		if _, err := mk(); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

func TestConstructorsWithARenderNodeThatDoesNotOpen(t *testing.T) {
	dir := t.TempDir()
	setVar(t, &deviceDir, dir)
	node := filepath.Join(dir, "renderD128")
	if err := os.WriteFile(node, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, mk := range constructors {
		_, err := mk()
		var de *DeviceError
		if err == nil || !errors.Is(err, ErrNoDevice) || !errors.As(err, &de) || !strings.Contains(err.Error(), node+": stat: not a character device") {
			t.Errorf("%s: %v; want ErrNoDevice naming %s and why", name, err, node)
		}
	}
	// Asking for that device by path gives the same reason.
	_, err := NewDecoder(DecoderConfig{Codec: frame.H264, Device: node})
	if err == nil || !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "not a character device") {
		t.Errorf("asked device: %v", err)
	}
	// Asking for one that is not there names it and what there is.
	_, err = NewEncoder(EncoderConfig{Device: filepath.Join(dir, "renderD200")})
	if err == nil || !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "renderD200 does not exist (render nodes here: "+node+")") {
		t.Errorf("missing asked device: %v", err)
	}
}

// fakeDevices makes listDevices return devs: a device with a capability
// table where no GPU exists, to reach the error paths past discovery. The
// element lookup stays GStreamer's own.
func fakeDevices(t *testing.T, devs ...Device) {
	t.Helper()
	setVar(t, &listDevices, func() ([]Device, error) { return devs, nil })
}

func TestConstructorsWithoutTheVaElement(t *testing.T) {
	for _, el := range []string{"vah264dec", "vah264enc", "vapostproc", "varenderD129h264dec"} {
		if hasElement(el) {
			t.Skipf("GStreamer here has %s", el)
		}
	}
	intel := Device{Path: "/dev/dri/renderD128", Vendor: "Intel iHD driver", Version: "1.17", Caps: testCaps}
	fakeDevices(t, intel)
	for name, want := range map[string]string{"decoder": "vah264dec", "encoder": "vapostproc", "scaler": "vapostproc"} {
		_, err := constructors[name]()
		if err == nil || !errors.Is(err, ErrMissingElement) || !strings.Contains(err.Error(), `"`+want+`"`) ||
			!strings.Contains(err.Error(), "gstreamer1.0-plugins-bad") || !strings.Contains(err.Error(), intel.Path) {
			t.Errorf("%s: %v; want a missing-element error naming %s, the device and the package", name, err, want)
		}
	}
	// The second device's elements carry its node's name.
	second := Device{Path: "/dev/dri/renderD129", Vendor: "Mesa Gallium", Caps: testCaps, index: 1}
	fakeDevices(t, second)
	if _, err := NewDecoder(DecoderConfig{Codec: frame.H264}); err == nil || !strings.Contains(err.Error(), `"varenderD129h264dec"`) {
		t.Errorf("second device: %v", err)
	}
}

func TestConstructorsOnADeviceThatCannot(t *testing.T) {
	broken := Device{Path: "/dev/dri/renderD128", Err: &DeviceError{Path: "/dev/dri/renderD128", Op: "open", Reason: "permission denied"}}
	intel := Device{Path: "/dev/dri/renderD129", Vendor: "Intel iHD driver", Caps: testCaps}
	fakeDevices(t, broken, intel)
	for _, tc := range []struct {
		mk   func() (*Stage, error)
		want string
	}{
		{func() (*Stage, error) { return NewEncoder(EncoderConfig{Codec: frame.H265}) }, "no device can encode H265: /dev/dri/renderD129 (Intel iHD driver) cannot: not supported by the device; vaapi: /dev/dri/renderD128: open: permission denied"},
		{func() (*Stage, error) {
			return NewEncoder(EncoderConfig{Codec: frame.H264, LowPower: true, Device: intel.Path})
		}, ""},
		{func() (*Stage, error) { return NewDecoder(DecoderConfig{Codec: frame.VP8}) }, "no device can decode VP8"},
		{func() (*Stage, error) { return NewDecoder(DecoderConfig{Codec: frame.H265, Device: intel.Path}) }, ""},
	} {
		_, err := tc.mk()
		if tc.want == "" {
			if errors.Is(err, ErrUnsupported) || errors.Is(err, ErrNoDevice) {
				t.Errorf("a capable device was refused: %v", err)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v; want ErrUnsupported saying %q", err, tc.want)
		}
	}
	if _, err := NewDecoder(DecoderConfig{Codec: frame.H264, Device: broken.Path}); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("asked broken device: %v", err)
	}
	if _, err := NewDecoder(DecoderConfig{Codec: frame.VP8, Device: intel.Path}); err == nil || !strings.Contains(err.Error(), "renderD129 (Intel iHD driver) cannot decode VP8") {
		t.Errorf("asked incapable device: %v", err)
	}
	fakeDevices(t, broken)
	if _, err := NewScaler(ScalerConfig{}); err == nil || !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "no render node opens: vaapi: /dev/dri/renderD128: open: permission denied") {
		t.Errorf("only a broken device: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	fakeDevices(t) // config errors come before discovery where they can
	for _, tc := range []struct {
		err  error
		want string
	}{
		{second(NewDecoder(DecoderConfig{Codec: frame.I420})), "cannot decode I420"},
		{second(NewDecoder(DecoderConfig{Codec: frame.H264, Output: frame.I444})), "I444 is not a VA surface format"},
		{second(NewDecoder(DecoderConfig{Codec: frame.H264, Memory: Memory(7)})), "unknown memory Memory(7)"},
		{second(NewEncoder(EncoderConfig{Codec: frame.VP9})), "cannot encode VP9"},
		{second(NewEncoder(EncoderConfig{RateControl: "abr"})), `unknown rate control "abr"`},
		{second(NewEncoder(EncoderConfig{QP: 26})), "QP 26 needs rate control cqp"},
		{second(NewScaler(ScalerConfig{Width: -1})), "bad scaler size -1x0"},
		{second(NewScaler(ScalerConfig{Format: frame.H264})), "H264 is not a VA surface format"},
		{second(Chain()), "empty chain"},
		{second(Chain(nil)), "nil stage in chain"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%v; want %q", tc.err, tc.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// With a device and its elements (faked where there is no GPU), the stages
// are the va pipelines documented, ending in VA memory.
func TestDescriptions(t *testing.T) {
	intel := Device{Path: "/dev/dri/renderD128", Vendor: "Intel iHD driver", Caps: testCaps}
	fakeDevices(t, intel)
	setVar(t, &hasElement, func(string) bool { return true })
	for _, tc := range []struct {
		mk         func() (*Stage, error)
		name, desc string
	}{
		{func() (*Stage, error) { return NewDecoder(DecoderConfig{Codec: frame.H264}) },
			"vaapi-decoder(vah264dec)", "h264parse ! vah264dec ! video/x-raw(memory:VAMemory)"},
		{func() (*Stage, error) { return NewDecoder(DecoderConfig{Codec: frame.AV1, Output: frame.RGBA}) },
			"vaapi-decoder(vaav1dec)", "av1parse ! vaav1dec ! vapostproc ! video/x-raw(memory:VAMemory),format=RGBA"},
		{func() (*Stage, error) { return NewDecoder(DecoderConfig{Codec: frame.H265, Memory: SystemMemory}) },
			"vaapi-decoder(vah265dec)", "h265parse ! vah265dec ! vapostproc ! video/x-raw"},
		{func() (*Stage, error) {
			return NewEncoder(EncoderConfig{Codec: frame.H264, Bitrate: 2_000_000, RateControl: "cbr", KeyframeInterval: 30})
		}, "vaapi-encoder(vah264enc)", "vapostproc ! video/x-raw(memory:VAMemory),format=NV12 ! vah264enc rate-control=cbr bitrate=2000 key-int-max=30 ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au"},
		{func() (*Stage, error) {
			return NewEncoder(EncoderConfig{Codec: frame.H264, LowPower: true, RateControl: "cqp", QP: 24})
		}, "vaapi-encoder(vah264lpenc)", "vapostproc ! video/x-raw(memory:VAMemory),format=NV12 ! vah264lpenc rate-control=cqp qpi=24 qpp=24 qpb=24 ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au"},
		{func() (*Stage, error) {
			return NewScaler(ScalerConfig{Width: 640, Height: 360, Format: frame.NV12, Memory: DMABuf})
		},
			"vaapi-scaler(vapostproc)", "vapostproc ! video/x-raw(memory:DMABuf),format=NV12,width=640,height=360"},
	} {
		s, err := tc.mk()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if s.Name() != tc.name || s.Description != tc.desc || s.Device() != intel.Path {
			t.Errorf("got %s on %s: %q\nwant %s: %q", s.Name(), s.Device(), s.Description, tc.name, tc.desc)
		}
	}
	dec, _ := NewDecoder(DecoderConfig{Codec: frame.H264})
	scale, _ := NewScaler(ScalerConfig{Width: 640, Height: 360})
	enc, _ := NewEncoder(EncoderConfig{Codec: frame.H264})
	chain, err := Chain(dec, scale, enc)
	if err != nil {
		t.Fatal(err)
	}
	const want = "h264parse ! vah264dec ! video/x-raw(memory:VAMemory) ! vapostproc ! video/x-raw(memory:VAMemory),width=640,height=360 ! " +
		"vapostproc ! video/x-raw(memory:VAMemory),format=NV12 ! vah264enc ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au"
	if chain.Description != want || chain.Name() != "vaapi-chain(vah264dec,vapostproc,vah264enc)" || chain.Element() != "vah264enc" {
		t.Errorf("chain %s: %q", chain.Name(), chain.Description)
	}
	other := *scale
	other.device = "/dev/dri/renderD129"
	if _, err := Chain(dec, &other); err == nil || !strings.Contains(err.Error(), "surfaces cannot pass between devices") {
		t.Errorf("chain across devices: %v", err)
	}
}

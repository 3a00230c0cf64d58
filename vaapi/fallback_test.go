// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

type V = frame.Video

// noDevice points discovery at an empty directory: a machine with no GPU.
func noDevice(t *testing.T) { setVar(t, &deviceDir, t.TempDir()) }

func TestFallbackChoosesSoftwareWithoutADevice(t *testing.T) {
	noDevice(t)
	enc, err := VideoEncoder(EncoderConfig{Codec: frame.H264})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Hardware || enc.Device != "" || !errors.Is(enc.Why, ErrNoDevice) {
		t.Errorf("encoder: %v", enc)
	}
	if enc.Element != firstElement(softwareEncoders[frame.H264]) || enc.Name() != "gst-encoder("+enc.Element+")" {
		t.Errorf("encoder element %q name %q", enc.Element, enc.Name())
	}
	if !strings.HasPrefix(enc.String(), "software: "+enc.Element+" (hardware unavailable: vaapi: no VA-API device") {
		t.Errorf("String() = %q", enc.String())
	}
	dec, err := VideoDecoder(DecoderConfig{Codec: frame.H264, Output: frame.I420})
	if err != nil {
		t.Fatal(err)
	}
	if dec.Hardware || !errors.Is(dec.Why, ErrNoDevice) || dec.Element != firstElement(softwareDecoders[frame.H264]) {
		t.Errorf("decoder: %v", dec)
	}
}

// A device that cannot encode VP9 (no va encoder for it in 1.22) falls back
// to software too, and says why.
func TestFallbackForACodecTheDeviceLacks(t *testing.T) {
	fakeDevices(t, Device{Path: "/dev/dri/renderD128", Vendor: "Intel iHD driver", Caps: testCaps})
	enc, err := VideoEncoder(EncoderConfig{Codec: frame.VP9})
	if err != nil {
		t.Skipf("no VP9 encoder here: %v", err)
	}
	if enc.Hardware || enc.Why == nil || !strings.Contains(enc.Why.Error(), "cannot encode VP9") {
		t.Errorf("%v", enc)
	}
}

// Mistakes in the config are errors, not a reason to fall back.
func TestFallbackReturnsConfigErrors(t *testing.T) {
	noDevice(t)
	if _, err := VideoEncoder(EncoderConfig{Codec: frame.H264, RateControl: "fast"}); err == nil || !strings.Contains(err.Error(), `unknown rate control "fast"`) {
		t.Errorf("encoder: %v", err)
	}
	if _, err := VideoDecoder(DecoderConfig{Codec: frame.H264, Memory: Memory(9)}); err == nil || !strings.Contains(err.Error(), "unknown memory") {
		t.Errorf("decoder: %v", err)
	}
	if _, err := VideoDecoder(DecoderConfig{Codec: frame.Opus}); err == nil || !strings.Contains(err.Error(), "no decoder for Opus") {
		t.Errorf("audio codec: %v", err)
	}
	setVar(t, &hasElement, func(string) bool { return false })
	if _, err := VideoEncoder(EncoderConfig{Codec: frame.H265}); err == nil ||
		!strings.Contains(err.Error(), "no encoder for H265: hardware: vaapi: no VA-API device") || !strings.Contains(err.Error(), "software: none of x265enc installed") {
		t.Errorf("nothing installed: %v", err)
	}
}

// roundTrip runs n pattern frames through enc and dec into a Collect and
// returns what came out (released at the end of the test).
func roundTrip(t *testing.T, enc, dec stage.Transform[V, V], w, h, n int) []V {
	t.Helper()
	out := &stage.Collect[V]{}
	t.Cleanup(out.Release)
	src := &stage.Pattern{Width: w, Height: h, Frames: n}
	if err := stream.Connect(src, stream.Via(enc, dec), out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out.Frames()
}

// The software choice really encodes and decodes.
func TestFallbackSoftwareRoundTrip(t *testing.T) {
	noLeaks(t)
	noDevice(t)
	enc, err := VideoEncoder(EncoderConfig{Codec: frame.H264, Preset: "ultrafast", KeyframeInterval: 10})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := VideoDecoder(DecoderConfig{Codec: frame.H264, Output: frame.I420})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Hardware || dec.Hardware {
		t.Fatalf("chose hardware: %v, %v", enc, dec)
	}
	const n = 30
	got := roundTrip(t, enc, dec, 320, 240, n)
	if len(got) != n {
		t.Fatalf("%s → %s: %d frames, want %d", enc.Name(), dec.Name(), len(got), n)
	}
	for i, v := range got {
		if v.Format != frame.I420 || v.Width != 320 || v.Height != 240 || v.Size() != 320*240*3/2 {
			t.Fatalf("frame %d: %v size %d", i, v, v.Size())
		}
	}
	// Frames keep their spacing (gst's software encoders shift every
	// timestamp by GstVideoEncoder's 1000 h DTS offset; see the report).
	for i, v := range got {
		want := time.Duration(i) * time.Second / 30
		if d := v.PTS - got[0].PTS; d < want-time.Millisecond || d > want+time.Millisecond {
			t.Errorf("frame %d at %v after the first, want %v", i, d, want)
		}
	}
	t.Logf("first PTS %v", got[0].PTS)
}

// On a machine with a device: the helpers choose hardware, and the VA
// encoder's stream decodes on the VA decoder, output in system memory.
func TestFallbackChoosesHardwareOnHardware(t *testing.T) {
	noLeaks(t)
	needCapable(t, frame.H264, OpEncode, "h264enc")
	needCapable(t, frame.H264, OpDecode, "h264dec")
	enc, err := VideoEncoder(EncoderConfig{Codec: frame.H264, KeyframeInterval: 10})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := VideoDecoder(DecoderConfig{Codec: frame.H264, Memory: SystemMemory, Output: frame.NV12})
	if err != nil {
		t.Fatal(err)
	}
	if !enc.Hardware || !dec.Hardware {
		t.Fatalf("chose %v and %v", enc, dec)
	}
	got := roundTrip(t, enc, dec, 320, 240, 30)
	if len(got) != 30 || got[0].Format != frame.NV12 || got[0].Width != 320 || got[0].Height != 240 {
		t.Fatalf("%d frames: %v", len(got), got)
	}
}

// Decoder, scaler and encoder as one chain on the GPU copy nothing to the
// CPU: only the encoded frames cross into Go.
func TestChainCopiesNothingOnHardware(t *testing.T) {
	noLeaks(t)
	needCapable(t, frame.H264, OpDecode, "h264dec")
	needCapable(t, frame.H264, OpEncode, "h264enc")
	sw, err := VideoEncoder(EncoderConfig{Codec: frame.H264, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(DecoderConfig{Codec: frame.H264})
	if err != nil {
		t.Fatal(err)
	}
	scale, err := NewScaler(ScalerConfig{Width: 160, Height: 120})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := NewEncoder(EncoderConfig{Codec: frame.H264})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := Chain(dec, scale, enc)
	if err != nil {
		t.Fatal(err)
	}
	copied := frame.CopiedBytes()
	got := roundTrip(t, sw, chain, 320, 240, 30)
	if d := frame.CopiedBytes() - copied; d != 0 {
		t.Errorf("%d bytes copied, want 0", d)
	}
	if len(got) != 30 || got[0].Format != frame.H264 || got[0].Codec == nil || got[0].Codec.Width != 160 {
		t.Fatalf("%d frames: %v", len(got), got)
	}
}

// A VA decoder's frames stay on the GPU: they are VA surfaces, and asking
// for bytes downloads them, counted. (gst's appsink accepts
// video/x-raw(memory:VAMemory); not yet run on hardware.)
func TestDecodedFramesStayOnTheGPUOnHardware(t *testing.T) {
	noLeaks(t)
	needCapable(t, frame.H264, OpDecode, "h264dec")
	sw, err := VideoEncoder(EncoderConfig{Codec: frame.H264, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(DecoderConfig{Codec: frame.H264})
	if err != nil {
		t.Fatal(err)
	}
	got := roundTrip(t, sw, dec, 320, 240, 10)
	if len(got) != 10 {
		t.Fatalf("%d frames", len(got))
	}
	copied := frame.CopiedBytes()
	for i, v := range got {
		if v.Data.Location() != frame.VASurface {
			t.Fatalf("frame %d is in %v, want %v", i, v.Data.Location(), frame.VASurface)
		}
	}
	if frame.CopiedBytes() != copied {
		t.Fatal("looking at frames copied bytes")
	}
	if _, err := got[0].Planes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if frame.CopiedBytes() == copied {
		t.Error("downloading a surface was not counted")
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func TestFourCCBothWays(t *testing.T) {
	for _, tc := range []struct {
		s      string
		c      FourCC
		f      frame.Format
		origin bool // FourCCOf(f) gives c back
	}{
		{"YUYV", FourCCYUYV, frame.YUY2, true},
		{"NV12", FourCCNV12, frame.NV12, true},
		{"NM12", FourCCNM12, frame.NV12, false},
		{"YU12", FourCCYU12, frame.I420, true},
		{"422P", FourCC422P, frame.I422, true},
		{"GREY", FourCCGREY, frame.GRAY8, true},
		{"AB24", FourCCAB24, frame.RGBA, true},
		{"AR24", FourCCAR24, frame.BGRA, true},
		{"MJPG", FourCCMJPG, frame.MJPEG, true},
		{"JPEG", FourCCJPEG, frame.MJPEG, false},
		{"H264", FourCCH264, frame.H264, true},
		{"HEVC", FourCCHEVC, frame.H265, true},
		{"VP80", FourCCVP80, frame.VP8, true},
		{"VP90", FourCCVP90, frame.VP9, true},
		{"BA81", 0x31384142, frame.FormatUnknown, false}, // Bayer: no streamer format
	} {
		c, err := ParseFourCC(tc.s)
		if err != nil || c != tc.c || c.String() != tc.s {
			t.Errorf("ParseFourCC(%q) = %#x (%v), %v; want %#x", tc.s, uint32(c), c, err, uint32(tc.c))
		}
		if f := c.Format(); f != tc.f {
			t.Errorf("%v.Format() = %v, want %v", c, f, tc.f)
		}
		if back, ok := FourCCOf(tc.f); tc.origin && (!ok || back != c) {
			t.Errorf("FourCCOf(%v) = %v, %v; want %v", tc.f, back, ok, c)
		}
	}
	if c, ok := FourCCOf(frame.AV1); ok {
		t.Errorf("FourCCOf(AV1) = %v", c)
	}
	if _, err := ParseFourCC("YUY"); err == nil {
		t.Error("a three-letter fourcc parsed")
	}
	if got := (FourCCYUYV | 1<<31).String(); got != "YUYV-BE" {
		t.Errorf("big-endian fourcc: %q", got)
	}
	if got := FourCC(0x01020304).String(); got != "????" {
		t.Errorf("unprintable fourcc: %q", got)
	}
}

func TestQueryCameraErrors(t *testing.T) {
	// /dev/null is a character device, but not V4L2.
	_, err := QueryCamera("/dev/null")
	if !errors.Is(err, ErrNotV4L2) || err.Error() != "vaapi: /dev/null is not a V4L2 device (VIDIOC_QUERYCAP: inappropriate ioctl for device)" {
		t.Errorf("/dev/null: %v", err)
	}
	file := filepath.Join(t.TempDir(), "video0")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := QueryCamera(file); !errors.Is(err, ErrNotV4L2) || !strings.Contains(err.Error(), file) {
		t.Errorf("regular file: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "video7")
	if _, err := QueryCamera(missing); !errors.Is(err, gst.ErrNoCamera) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing: %v", err)
	}
	if _, err := QueryCamera(t.TempDir()); err == nil || !strings.Contains(err.Error(), "opening camera") {
		t.Errorf("a directory: %v", err)
	}
}

func TestCamerasWithoutACamera(t *testing.T) {
	dir := t.TempDir()
	setVar(t, &CameraDir, dir)
	if cams, err := Cameras(); err != nil || len(cams) != 0 {
		t.Errorf("empty dir: %v, %v", cams, err)
	}
	// Nodes that are not V4L2 devices are left out; names that are not
	// videoN are not looked at.
	if err := os.Symlink("/dev/null", filepath.Join(dir, "video0")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "video1"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "video-codec"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if cams, err := Cameras(); err != nil || cams == nil || len(cams) != 0 {
		t.Errorf("no V4L2 node: %v, %v; want an empty list", cams, err)
	}
	setVar(t, &CameraDir, filepath.Join(dir, "none"))
	if cams, err := Cameras(); err != nil || len(cams) != 0 {
		t.Errorf("missing dir: %v, %v", cams, err)
	}
}

func TestCameraCaptureErrors(t *testing.T) {
	broken := Camera{Path: "/dev/video3", Err: errors.New("vaapi: opening camera /dev/video3: permission denied")}
	if _, err := broken.Capture(frame.YUY2, 640, 480, frame.Rational{}); err != broken.Err {
		t.Errorf("broken camera: %v", err)
	}
	cam := Camera{Path: "/dev/video0", Card: "Test Cam", Formats: []CameraFormat{{FourCC: FourCCYUYV, Format: frame.YUY2}}}
	if _, err := cam.Capture(frame.H264, 0, 0, frame.Rational{}); err == nil || !strings.Contains(err.Error(), "camera /dev/video0 (Test Cam) does not deliver H264") {
		t.Errorf("format the camera lacks: %v", err)
	}
	src, err := cam.Capture(frame.YUY2, 640, 480, frame.Rational{Num: 30, Den: 1})
	if err != nil {
		t.Fatal(err)
	}
	if src.Device != "/dev/video0" || src.Format != frame.YUY2 || src.Width != 640 || src.FPS.Num != 30 {
		t.Errorf("capture source %+v", src)
	}
}

// On this machine: Cameras answers without error whatever /dev has.
func TestCamerasHere(t *testing.T) {
	cams, err := Cameras()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cams {
		t.Logf("%s: %s (%s) err=%v formats=%d", c.Path, c.Card, c.Driver, c.Err, len(c.Formats))
	}
}

// needCamera returns the first camera that could be queried, or skips.
func needCamera(t *testing.T) Camera {
	t.Helper()
	cams, err := Cameras()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cams {
		if c.Err == nil && len(c.Formats) > 0 {
			return c
		}
	}
	if len(cams) > 0 {
		needHardware(t, "needs a V4L2 camera that opens: "+cams[0].Err.Error())
	}
	needHardware(t, "needs /dev/video0: no V4L2 capture device on this machine")
	return Camera{}
}

func TestCamerasOnHardware(t *testing.T) {
	c := needCamera(t)
	if c.Driver == "" || c.Card == "" {
		t.Errorf("%s: driver %q card %q", c.Path, c.Driver, c.Card)
	}
	for _, f := range c.Formats {
		t.Logf("%v (%s) → %v: %d sizes", f.FourCC, f.Description, f.Format, len(f.Sizes))
		if len(f.Sizes) == 0 || f.Sizes[0].Width == 0 || f.Sizes[0].Height == 0 {
			t.Errorf("%v: sizes %+v", f.FourCC, f.Sizes)
		}
	}
}

// Capturing a few frames from the camera's first streamer format through
// gst.Camera: frames have the enumerated size, and none leaks.
func TestCaptureOnHardware(t *testing.T) {
	noLeaks(t)
	c := needCamera(t)
	var f CameraFormat
	for _, cf := range c.Formats {
		if cf.Format != frame.FormatUnknown && len(cf.Sizes) > 0 {
			f = cf
			break
		}
	}
	if f.Format == frame.FormatUnknown {
		t.Skipf("%s delivers no format streamer has", c.Path)
	}
	size := f.Sizes[0]
	src, err := c.Capture(f.Format, size.Width, size.Height, frame.Rational{})
	if err != nil {
		t.Fatal(err)
	}
	// Collect returns after 5 frames, which stops the camera.
	out := &stage.Collect[V]{Max: 5}
	t.Cleanup(out.Release)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := stream.Connect[V](src, nil, out).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(out.Frames()) != 5 {
		t.Fatalf("%d frames, want 5", len(out.Frames()))
	}
	v := out.Frames()[0]
	if v.Format != f.Format || v.Width != size.Width || v.Height != size.Height {
		t.Errorf("frame %v, want %v %dx%d", v, f.Format, size.Width, size.Height)
	}
}

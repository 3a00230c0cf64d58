// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package v4l2

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinorml/streamer/frame"
)

func TestQueryErrors(t *testing.T) {
	// /dev/null is a character device, but not V4L2.
	_, err := Query("/dev/null")
	if !errors.Is(err, ErrNotV4L2) || err.Error() != "v4l2: /dev/null is not a V4L2 device (VIDIOC_QUERYCAP: inappropriate ioctl for device)" {
		t.Errorf("/dev/null: %v", err)
	}
	file := filepath.Join(t.TempDir(), "video0")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Query(file); !errors.Is(err, ErrNotV4L2) || !strings.Contains(err.Error(), file) {
		t.Errorf("regular file: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "video7")
	if _, err := Query(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing: %v", err)
	}
	if _, err := Query(t.TempDir()); err == nil || !strings.Contains(err.Error(), "v4l2: opening") {
		t.Errorf("a directory: %v", err)
	}
}

func TestDevicesInWithoutADevice(t *testing.T) {
	dir := t.TempDir()
	if devs, err := DevicesIn(dir); err != nil || len(devs) != 0 {
		t.Errorf("empty dir: %v, %v", devs, err)
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
	if devs, err := DevicesIn(dir); err != nil || devs == nil || len(devs) != 0 {
		t.Errorf("no V4L2 node: %v, %v; want an empty list", devs, err)
	}
	if devs, err := DevicesIn(filepath.Join(dir, "none")); err != nil || len(devs) != 0 {
		t.Errorf("missing dir: %v, %v", devs, err)
	}
}

func TestCanDeliver(t *testing.T) {
	broken := Device{Path: "/dev/video3", Err: errors.New("v4l2: opening /dev/video3: permission denied")}
	if err := broken.CanDeliver(frame.YUY2); err != broken.Err {
		t.Errorf("broken device: %v", err)
	}
	cam := Device{Path: "/dev/video0", Card: "Test Cam", Formats: []FormatDesc{{FourCC: FourCCYUYV, Format: frame.YUY2}}}
	if err := cam.CanDeliver(frame.H264); err == nil || err.Error() != "v4l2: /dev/video0 (Test Cam) does not deliver H264" {
		t.Errorf("format the device lacks: %v", err)
	}
	if err := cam.CanDeliver(frame.YUY2); err != nil {
		t.Errorf("YUY2: %v", err)
	}
	if err := cam.CanDeliver(frame.FormatUnknown); err != nil {
		t.Errorf("any format: %v", err)
	}
}

// Devices answers without error whatever /dev has.
func TestDevicesHere(t *testing.T) {
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range devs {
		t.Logf("%s: %s (%s) err=%v formats=%d", c.Path, c.Card, c.Driver, c.Err, len(c.Formats))
	}
}

func TestDevicesOnHardware(t *testing.T) {
	c := needDevice(t)
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

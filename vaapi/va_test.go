// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDevicesWithNoRenderNode(t *testing.T) {
	for name, dir := range map[string]string{
		"empty dir":   t.TempDir(),
		"missing dir": filepath.Join(t.TempDir(), "dri"),
	} {
		devs, err := DevicesIn(dir)
		if err != nil || len(devs) != 0 {
			t.Errorf("%s: DevicesIn = %v, %v; want an empty list and no error", name, devs, err)
		}
	}
}

// A render node that is not one (a regular file, /dev/null) is listed with
// a clear error, in path order, and never crashes libva.
func TestDevicesThatDoNotOpenAreReported(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "renderD129"), []byte("not a device"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", filepath.Join(dir, "renderD128")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "card0"), nil, 0o644); err != nil { // not a render node: ignored
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "renderD130")); err != nil {
		t.Fatal(err)
	}
	devs, err := DevicesIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 3 {
		t.Fatalf("DevicesIn = %v, want renderD128, renderD129 and renderD130", devs)
	}
	for i, want := range []struct{ node, op, reason string }{
		{"renderD128", "vaGetDisplayDRM", "not a DRM device"}, // /dev/null: a character device libva rejects
		{"renderD129", "stat", "not a character device"},      // a regular file
		{"renderD130", "stat", "no such file or directory"},   // a dangling link
	} {
		d := devs[i]
		path := filepath.Join(dir, want.node)
		if d.Path != path {
			t.Errorf("device %d is %s, want %s (sorted)", i, d.Path, path)
		}
		var de *DeviceError
		if !errors.As(d.Err, &de) || de.Path != path || de.Op != want.op || !strings.Contains(de.Reason, want.reason) {
			t.Errorf("%s: Err = %v, want a DeviceError from %s saying %q", want.node, d.Err, want.op, want.reason)
			continue
		}
		if msg := d.Err.Error(); !strings.HasPrefix(msg, "vaapi: "+path+": ") || d.String() != msg {
			t.Errorf("%s: message %q / String %q should start with the path", want.node, msg, d.String())
		}
		if d.Vendor != "" || d.Caps != nil || d.Version != "" {
			t.Errorf("%s: a failed device has vendor %q caps %v", want.node, d.Vendor, d.Caps)
		}
	}
	if !errors.Is(devs[2].Err, os.ErrNotExist) {
		t.Errorf("dangling link: %v does not wrap os.ErrNotExist", devs[2].Err)
	}
}

func TestDevicesUnreadableDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dri")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A file, not a directory.
	if devs, err := DevicesIn(file); err == nil || !strings.Contains(err.Error(), "listing render nodes") {
		t.Errorf("DevicesIn on a file = %v, %v; want an error", devs, err)
	}
}

func TestElementNames(t *testing.T) {
	first := Device{Path: "/dev/dri/renderD128"}
	second := Device{Path: "/dev/dri/renderD129", index: 1}
	if got := first.ElementName("h264dec"); got != "vah264dec" {
		t.Errorf("first device: %q", got)
	}
	if got := second.ElementName("postproc"); got != "varenderD129postproc" {
		t.Errorf("second device: %q", got)
	}
}

// On this machine: whatever it has, Devices answers without error and
// every device either opened or says why not.
func TestDevicesHere(t *testing.T) {
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 {
		t.Logf("no render node in %s", DefaultDeviceDir)
	}
	for _, d := range devs {
		t.Logf("%v\n%v", d, d.Caps)
	}
}

func TestDevicesOnHardware(t *testing.T) {
	d := needDevice(t)
	if d.Vendor == "" || d.Version == "" {
		t.Errorf("%s: vendor %q version %q", d.Path, d.Vendor, d.Version)
	}
	if len(d.Caps) == 0 {
		t.Errorf("%s: empty capability table", d.Path)
	}
	t.Logf("%v\n%v", d, d.Caps)
	out, err := runVainfo(d.Path)
	if err != nil {
		t.Logf("vainfo: %v", err)
		return
	}
	// Every profile/entrypoint pair vainfo lists is in the table.
	for _, c := range d.Caps {
		if _, known := profiles[c.Profile]; !known {
			continue
		}
		if _, known := entrypointNames[c.Entrypoint]; !known {
			continue
		}
		if !strings.Contains(out, "VAProfile"+c.Profile.String()) || !strings.Contains(out, "VAEntrypoint"+c.Entrypoint.String()) {
			t.Errorf("%v/%v is not in vainfo's output", c.Profile, c.Entrypoint)
		}
	}
}

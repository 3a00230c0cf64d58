// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage/stagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The tests replace the look-ups of hooks.go and read the process-wide
// frame counters, so none runs in parallel.

// noLeaks fails the test if frame handles made during it are still alive
// when it ends.
func noLeaks(t testing.TB) { t.Helper(); stagetest.NoLeaks(t) }

// setVar sets *p to v for the rest of the test.
func setVar[T any](t *testing.T, p *T, v T) {
	t.Helper()
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}

// hwEnv, when "require", turns the skips of hardware tests into failures,
// so a run of `task test-hw` on a machine that should have the hardware
// cannot pass by skipping.
const hwEnv = "STREAMER_HW"

// needHardware skips (or, under STREAMER_HW=require, fails) a test whose
// hardware is missing; why names what is missing.
func needHardware(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(hwEnv) == "require" {
		t.Fatalf("%s=require but %s", hwEnv, why)
	}
	t.Skip(why)
}

// needDevice returns a VA-API device that opens, or skips naming what is
// missing.
func needDevice(t *testing.T) Device {
	t.Helper()
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 {
		nodes, _ := filepath.Glob(filepath.Join(DefaultDeviceDir, "renderD*"))
		if len(nodes) == 0 {
			needHardware(t, "needs "+DefaultDeviceDir+"/renderD*: no DRM render node on this machine (no GPU, or not passed to the container)")
		}
	}
	for _, d := range devs {
		if d.Err == nil {
			return d
		}
	}
	needHardware(t, "needs "+DefaultDeviceDir+"/renderD* that opens with libva: "+devs[0].Err.Error())
	return Device{}
}

// needCapable returns a device that can do op for f and whose va element
// exists, or skips naming what is missing.
func needCapable(t *testing.T, f frame.Format, op Op, base string) Device {
	t.Helper()
	d := needDevice(t)
	if !can(d, f, op) {
		needHardware(t, "needs a VA-API device that can "+op.String()+" "+f.String()+": "+d.String()+" cannot")
	}
	if _, err := element(d, base); err != nil {
		needHardware(t, "needs the va element: "+err.Error())
	}
	return d
}

// runVainfo runs vainfo on a render node, the independent check of Devices.
func runVainfo(path string) (string, error) {
	out, err := exec.Command("vainfo", "--display", "drm", "--device", path).CombinedOutput()
	return string(out), err
}

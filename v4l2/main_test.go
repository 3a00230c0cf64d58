// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package v4l2

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// hwEnv, when "require", turns the skips of hardware tests into failures,
// so a run of `task test-hw` on a machine that should have a camera cannot
// pass by skipping.
const hwEnv = "STREAMER_HW"

// needDevice returns the first capture device that could be queried, or
// skips (under STREAMER_HW=require, fails) naming what is missing.
func needDevice(t *testing.T) Device {
	t.Helper()
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Err == nil && len(d.Formats) > 0 {
			return d
		}
	}
	why := "needs /dev/video0: no V4L2 capture device on this machine"
	if len(devs) > 0 {
		why = "needs a V4L2 capture device that opens: " + devs[0].Err.Error()
	}
	if os.Getenv(hwEnv) == "require" {
		t.Fatalf("%s=require but %s", hwEnv, why)
	}
	t.Skip(why)
	return Device{}
}

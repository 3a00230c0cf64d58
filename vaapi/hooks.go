// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import "github.com/spinorml/streamer/gst"

// The package's look-ups of the machine, gathered here so that tests can
// replace them and reach, on any machine, the paths of one with a GPU (or
// without one). Only tests write them, and those never run in parallel.

// deviceDir is where the constructors look for render nodes.
var deviceDir = DefaultDeviceDir //nolint:gochecknoglobals // test seam: tests point discovery at a temporary directory

// listDevices lists the render nodes the constructors choose from.
var listDevices = func() ([]Device, error) { return DevicesIn(deviceDir) } //nolint:gochecknoglobals // test seam: tests give devices a capability table where no GPU exists

// hasElement reports whether GStreamer has an element.
var hasElement = gst.HasElement //nolint:gochecknoglobals // test seam: tests pretend every element exists, or none

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build cgo

package v4l2

import (
	"context"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

// Capturing a few frames from the device's first streamer format through
// gst.Camera: frames have the enumerated size, and none leaks.
func TestCaptureOnHardware(t *testing.T) {
	stagetest.NoLeaks(t)
	d := needDevice(t)
	var f FormatDesc
	for _, df := range d.Formats {
		if df.Format != frame.FormatUnknown && len(df.Sizes) > 0 {
			f = df
			break
		}
	}
	if f.Format == frame.FormatUnknown {
		t.Skipf("%s delivers no format streamer has", d.Path)
	}
	if err := d.CanDeliver(f.Format); err != nil {
		t.Fatal(err)
	}
	size := f.Sizes[0]
	src := &gst.Camera{Device: d.Path, Format: f.Format, Width: size.Width, Height: size.Height}
	// Collect returns after 5 frames, which stops the camera.
	out := &stage.Collect[frame.Video]{Max: 5}
	t.Cleanup(out.Release)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := stream.Connect[frame.Video](src, nil, out).Run(ctx); err != nil {
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

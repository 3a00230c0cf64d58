// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"
	"fmt"
	"os"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// cameraOpen opens a V4L2 capture device as a media input: raw video, no
// audio (a camera's microphone is another device). The device is checked
// now: a missing node fails with an error satisfying fs.ErrNotExist.
func cameraOpen(in media.Input, dev string) (media.Demuxer, error) {
	if in.NoVideo {
		return nil, media.Unsupported("gst: open %s: a camera has only video, and NoVideo is set", dev)
	}
	if _, err := os.Stat(dev); err != nil {
		return nil, fmt.Errorf("gst: open %s: no capture device found at %s: %w", dev, dev, err)
	}
	cam := &Camera{Device: dev, Width: in.Width, Height: in.Height, FPS: in.FPS}
	if _, err := cam.Description(); err != nil {
		return nil, fmt.Errorf("gst: open %s: %w", dev, err)
	}
	return &cameraInput{cam: cam}, nil
}

// cameraInput is an opened camera: Run captures until cancelled (a live
// source: end it with a graceful stop or a cancel).
type cameraInput struct{ cam *Camera }

// Streams reports raw video; its format is the camera's (converted to
// I420 unless asked otherwise).
func (c *cameraInput) Streams() media.Streams { return media.Streams{Video: frame.I420} }

func (c *cameraInput) Run(ctx context.Context, video stage.Out[frame.Video], _ stage.Out[frame.Audio]) error {
	return c.cam.Run(ctx, video)
}

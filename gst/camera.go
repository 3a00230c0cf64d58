// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// ErrNoCamera is wrapped by the error of a Camera that finds no device.
var ErrNoCamera = errors.New("no capture device found")

// Cameras lists the V4L2 capture device nodes (/dev/video*), sorted.
func Cameras() []string {
	devs, _ := filepath.Glob("/dev/video*")
	sort.Strings(devs)
	return devs
}

// Camera is a source of video from a V4L2 camera through v4l2src. Raw
// formats come out as raw frames, MJPEG and H264 cameras as encoded frames
// (H264 made self-delimited by h264parse). Buffers are passed on without a
// copy; v4l2src re-queues a buffer when its last frame reference is
// released.
type Camera struct {
	// Device is the device node; empty means the first of Cameras().
	Device string
	// Width, Height and FPS, when set, are asked of the camera.
	Width, Height int
	FPS           frame.Rational
	// Format, when set, is asked of the camera: YUY2, NV12, I420, MJPEG
	// or H264.
	Format frame.Format
	// Queue is how many frames the appsink holds (default 2).
	Queue   int
	OnEvent func(Event)
}

// Name returns "camera".
func (*Camera) Name() string { return "camera" }

// Description returns the launch description Run would play, or the reason
// there is none (no device).
func (c *Camera) Description() (string, error) {
	dev := c.Device
	if dev == "" {
		devs := Cameras()
		if len(devs) == 0 {
			return "", fmt.Errorf("gst: %w: no /dev/video* device exists (connect a camera, or check the container's devices)", ErrNoCamera)
		}
		dev = devs[0]
	}
	if _, err := os.Stat(dev); err != nil {
		return "", fmt.Errorf("gst: %w at %s: %w", ErrNoCamera, dev, err)
	}
	var caps []string
	switch c.Format {
	case frame.FormatUnknown:
		caps = append(caps, "video/x-raw")
	case frame.MJPEG:
		caps = append(caps, "image/jpeg")
	case frame.H264:
		caps = append(caps, "video/x-h264")
	default:
		name, ok := rawVideo[c.Format]
		if !ok {
			return "", fmt.Errorf("gst: a camera cannot deliver %v", c.Format)
		}
		caps = append(caps, "video/x-raw,format="+name)
	}
	if c.Width > 0 && c.Height > 0 {
		caps = append(caps, fmt.Sprintf("width=%d,height=%d", c.Width, c.Height))
	}
	if c.FPS.Num > 0 && c.FPS.Den > 0 {
		caps = append(caps, fmt.Sprintf("framerate=%d/%d", c.FPS.Num, c.FPS.Den))
	}
	desc := fmt.Sprintf("v4l2src device=%s ! %s", dev, strings.Join(caps, ","))
	if c.Format == frame.H264 {
		desc += " ! h264parse config-interval=-1"
	}
	return desc, nil
}

// Run captures until cancelled or the device fails (unplugged: the error
// names the device).
func (c *Camera) Run(ctx context.Context, out stage.Out[frame.Video]) error {
	desc, err := c.Description()
	if err != nil {
		return err
	}
	src := &Source[frame.Video]{Description: desc, Queue: c.Queue, OnEvent: c.OnEvent}
	return src.Run(ctx, out)
}

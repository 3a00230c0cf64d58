// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package v4l2 finds V4L2 video capture devices (webcams, capture cards)
// and what they deliver, in pure Go: Devices and Query read each node's
// identity, pixel formats, frame sizes and frame rates with the read-only
// ioctls VIDIOC_QUERYCAP, VIDIOC_ENUM_FMT, VIDIOC_ENUM_FRAMESIZES and
// VIDIOC_ENUM_FRAMEINTERVALS (through golang.org/x/sys/unix), and FourCC
// maps V4L2 pixel formats to streamer formats (YUYV ↔ YUY2, YU12 ↔ I420,
// MJPG ↔ MJPEG, H264, ...).
//
// It captures nothing: a backend does, given the device's path and one of
// its formats, for example gst.Camera (v4l2src) or a media.Input whose URL
// is the device (/dev/video0 or v4l2:///dev/video0). Device.CanDeliver
// checks a format before a capture is built. With cgo, check.go makes the build fail if the Go mirrors of
// linux/videodev2.h's structs and constants differ from the installed
// header; without cgo the package still builds.
package v4l2

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package v4l2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/spinorml/streamer/frame"
)

// Device is a V4L2 capture device and what it can deliver.
type Device struct {
	// Path is the device node, such as /dev/video0.
	Path string
	// Driver ("uvcvideo"), Card (the product name) and BusInfo
	// ("usb-0000:00:14.0-1") as VIDIOC_QUERYCAP reports them.
	Driver, Card, BusInfo string
	// Multiplanar is set for devices with the multi-planar API only.
	Multiplanar bool
	// Streaming is set when the device does mmap/DMABuf streaming I/O
	// (what v4l2src uses).
	Streaming bool
	// Formats lists the pixel formats, each with its sizes and rates.
	Formats []FormatDesc
	// Err says why the device could not be queried; the other fields
	// (except Path) are then empty.
	Err error
}

// FormatDesc is one pixel format a device delivers.
type FormatDesc struct {
	FourCC      FourCC
	Description string       // the driver's ("YUYV 4:2:2", "Motion-JPEG")
	Format      frame.Format // FormatUnknown when streamer has none
	Compressed  bool
	Emulated    bool // converted in software by libv4l, not the device
	Sizes       []FrameSize
}

// FrameSize is one frame size, or a range of them, and its frame rates.
type FrameSize struct {
	// Width and Height: the size (discrete), or the largest of a range.
	Width, Height int
	// For a range (stepwise or continuous) the smallest size and the step;
	// all zero for a discrete size.
	MinWidth, MinHeight, StepWidth, StepHeight int
	// Rates are the discrete frame rates (frames per second) at Width x
	// Height, in the driver's order (usually fastest first).
	Rates []frame.Rational
	// MinRate and MaxRate bound a continuous or stepwise rate range;
	// zero when Rates is used.
	MinRate, MaxRate frame.Rational
}

// DefaultDir is where Devices looks for video* nodes.
const DefaultDir = "/dev"

// ErrNotV4L2 is wrapped by the error for a path that exists but is not a
// V4L2 device.
var ErrNotV4L2 = errors.New("not a V4L2 device")

// Devices lists the V4L2 video capture devices in DefaultDir; see DevicesIn.
func Devices() ([]Device, error) { return DevicesIn(DefaultDir) }

// DevicesIn lists the V4L2 video capture devices in dir (video0, video1,
// ... in numeric order), for a container that mounts them elsewhere.
// Memory-to-memory codecs and metadata nodes (a UVC camera's second node)
// are left out; a node that cannot be queried (permission denied) is
// listed with Err set. With no device, or no dir, it returns an empty list
// and a nil error.
func DevicesIn(dir string) ([]Device, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("v4l2: listing devices: %w", err)
	}
	var nodes []string
	for _, e := range entries {
		if n, ok := strings.CutPrefix(e.Name(), "video"); ok {
			if _, err := strconv.Atoi(n); err == nil {
				nodes = append(nodes, e.Name())
			}
		}
	}
	slices.SortFunc(nodes, func(a, b string) int {
		x, _ := strconv.Atoi(a[len("video"):])
		y, _ := strconv.Atoi(b[len("video"):])
		return x - y
	})
	devs := []Device{}
	for _, n := range nodes {
		path := filepath.Join(dir, n)
		d, err := Query(path)
		switch {
		case errors.Is(err, ErrNotV4L2):
			continue
		case err != nil:
			devs = append(devs, Device{Path: path, Err: err})
		case d.Driver != "" && d.isCapture():
			devs = append(devs, d)
		}
	}
	return devs, nil
}

// isCapture reports whether a queried node is a video capture device.
func (d *Device) isCapture() bool { return len(d.Formats) > 0 || d.Streaming }

// Query opens path and reads its identity, formats, sizes and rates. A
// path that does not exist gives an error satisfying fs.ErrNotExist; one
// that exists but is not a V4L2 device (a file, /dev/null) wraps
// ErrNotV4L2, naming the path. A V4L2 node that is not a video capture
// device (a memory-to-memory codec, a metadata node) gives a Device with
// no formats.
func Query(path string) (Device, error) {
	d := Device{Path: path}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return d, fmt.Errorf("v4l2: no capture device at %s: %w", path, err)
		}
		hint := ""
		if errors.Is(err, unix.EACCES) {
			hint = " (add the user to the video group, or pass the device to the container)"
		}
		return d, fmt.Errorf("v4l2: opening %s: %w%s", path, err, hint)
	}
	defer func() { _ = unix.Close(fd) }() // read-only ioctls: a close cannot lose anything
	var capb v4l2Capability
	if err := ioctl(fd, vidiocQuerycap, unsafe.Pointer(&capb)); err != nil {
		return d, fmt.Errorf("v4l2: %s is %w (VIDIOC_QUERYCAP: %w)", path, ErrNotV4L2, err)
	}
	d.Driver, d.Card, d.BusInfo = cString(capb.Driver[:]), cString(capb.Card[:]), cString(capb.BusInfo[:])
	caps := capb.Capabilities
	if caps&capDeviceCaps != 0 {
		caps = capb.DeviceCaps
	}
	d.Streaming = caps&capStreaming != 0
	if caps&(capVideoM2M|capVideoM2MMPlane) != 0 {
		d.Streaming = false
		return d, nil // a codec, not a camera
	}
	bufType := uint32(bufTypeVideoCapture)
	switch {
	case caps&capVideoCapture != 0:
	case caps&capVideoCaptureMPlan != 0:
		bufType, d.Multiplanar = bufTypeVideoCaptureMPlane, true
	default:
		d.Streaming = false
		return d, nil // metadata, output or radio node
	}
	d.Formats, err = enumFormats(fd, bufType)
	if err != nil {
		return d, fmt.Errorf("v4l2: %s: %w", path, err)
	}
	return d, nil
}

// CanDeliver checks, before a capture is built, that d delivers format f:
// it returns d.Err for a device that could not be queried, an error naming
// the device when none of its formats is f, and nil otherwise (always for
// frame.FormatUnknown, which lets the device choose).
func (d Device) CanDeliver(f frame.Format) error {
	if d.Err != nil {
		return d.Err
	}
	if f == frame.FormatUnknown {
		return nil
	}
	for _, df := range d.Formats {
		if df.Format == f {
			return nil
		}
	}
	return fmt.Errorf("v4l2: %s (%s) does not deliver %v", d.Path, d.Card, f)
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

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
	"github.com/spinorml/streamer/gst"
)

// V4L2 enumeration, in pure Go: the four read-only ioctls below, on structs
// laid out as linux/videodev2.h lays them out (v4l2_check.go makes the build
// fail if a size or request number differs from the installed header).
// Capture itself goes through gst.Camera (v4l2src), which re-queues an mmap
// or DMABuf buffer when its last frame reference is released and reports an
// unplugged camera on the bus.

// ioctl request numbers: _IOR('V', 0, v4l2_capability), _IOWR('V', 2,
// v4l2_fmtdesc), _IOWR('V', 74, v4l2_frmsizeenum), _IOWR('V', 75,
// v4l2_frmivalenum).
const (
	vidiocQuerycap           = 0x80685600
	vidiocEnumFmt            = 0xc0405602
	vidiocEnumFramesizes     = 0xc02c564a
	vidiocEnumFrameintervals = 0xc034564b
)

// V4L2 capability flags (struct v4l2_capability's capabilities).
const (
	capVideoCapture      = 0x00000001
	capVideoCaptureMPlan = 0x00001000
	capVideoM2MMPlane    = 0x00004000
	capVideoM2M          = 0x00008000
	capStreaming         = 0x04000000
	capDeviceCaps        = 0x80000000
)

const (
	bufTypeVideoCapture       = 1
	bufTypeVideoCaptureMPlane = 9
	fmtFlagCompressed         = 0x1
	fmtFlagEmulated           = 0x2
	frmTypeDiscrete           = 1
	frmTypeContinuous         = 2
	frmTypeStepwise           = 3
)

type v4l2Capability struct {
	Driver       [16]byte
	Card         [32]byte
	BusInfo      [32]byte
	Version      uint32
	Capabilities uint32
	DeviceCaps   uint32
	Reserved     [3]uint32
}

type v4l2Fmtdesc struct {
	Index       uint32
	Type        uint32
	Flags       uint32
	Description [32]byte
	PixelFormat uint32
	MbusCode    uint32
	Reserved    [3]uint32
}

type v4l2Frmsizeenum struct {
	Index       uint32
	PixelFormat uint32
	Type        uint32
	// discrete: width, height; stepwise: min/max/step width, min/max/step height
	U        [6]uint32
	Reserved [2]uint32
}

type v4l2Frmivalenum struct {
	Index       uint32
	PixelFormat uint32
	Width       uint32
	Height      uint32
	Type        uint32
	// discrete: numerator, denominator; stepwise: min, max, step fractions
	U        [6]uint32
	Reserved [2]uint32
}

// FourCC is a V4L2 pixel format code, such as 'YUYV'.
type FourCC uint32

// The fourccs streamer maps to a frame format.
const (
	FourCCYUYV FourCC = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	FourCCNV12 FourCC = 'N' | 'V'<<8 | '1'<<16 | '2'<<24
	FourCCNM12 FourCC = 'N' | 'M'<<8 | '1'<<16 | '2'<<24 // NV12 in two memory planes
	FourCCYU12 FourCC = 'Y' | 'U'<<8 | '1'<<16 | '2'<<24 // I420
	FourCC422P FourCC = '4' | '2'<<8 | '2'<<16 | 'P'<<24
	FourCCGREY FourCC = 'G' | 'R'<<8 | 'E'<<16 | 'Y'<<24
	FourCCAB24 FourCC = 'A' | 'B'<<8 | '2'<<16 | '4'<<24 // RGBA32: R, G, B, A in memory
	FourCCAR24 FourCC = 'A' | 'R'<<8 | '2'<<16 | '4'<<24 // ABGR32: B, G, R, A in memory
	FourCCMJPG FourCC = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	FourCCJPEG FourCC = 'J' | 'P'<<8 | 'E'<<16 | 'G'<<24
	FourCCH264 FourCC = 'H' | '2'<<8 | '6'<<16 | '4'<<24
	FourCCHEVC FourCC = 'H' | 'E'<<8 | 'V'<<16 | 'C'<<24
	FourCCVP80 FourCC = 'V' | 'P'<<8 | '8'<<16 | '0'<<24
	FourCCVP90 FourCC = 'V' | 'P'<<8 | '9'<<16 | '0'<<24
)

// fourccFormats maps fourccs to formats; the first fourcc listed for a
// format is the one FourCCOf returns.
var fourccFormats = []struct {
	c FourCC
	f frame.Format
}{
	{FourCCYUYV, frame.YUY2},
	{FourCCNV12, frame.NV12},
	{FourCCNM12, frame.NV12},
	{FourCCYU12, frame.I420},
	{FourCC422P, frame.I422},
	{FourCCGREY, frame.GRAY8},
	{FourCCAB24, frame.RGBA},
	{FourCCAR24, frame.BGRA},
	{FourCCMJPG, frame.MJPEG},
	{FourCCJPEG, frame.MJPEG},
	{FourCCH264, frame.H264},
	{FourCCHEVC, frame.H265},
	{FourCCVP80, frame.VP8},
	{FourCCVP90, frame.VP9},
}

// String returns the four characters, with "-BE" for big-endian variants.
func (c FourCC) String() string {
	b := []byte{byte(c), byte(c >> 8), byte(c >> 16), byte(c >> 24 & 0x7f)}
	for i, x := range b {
		if x < 0x20 || x > 0x7e {
			b[i] = '?'
		}
	}
	s := string(b)
	if c&(1<<31) != 0 {
		s += "-BE"
	}
	return s
}

// ParseFourCC returns the fourcc spelt by four characters ("YUYV").
func ParseFourCC(s string) (FourCC, error) {
	if len(s) != 4 {
		return 0, fmt.Errorf("vaapi: fourcc %q is not four characters", s)
	}
	return FourCC(s[0]) | FourCC(s[1])<<8 | FourCC(s[2])<<16 | FourCC(s[3])<<24, nil
}

// Format returns the streamer format of c, or frame.FormatUnknown.
func (c FourCC) Format() frame.Format {
	for _, m := range fourccFormats {
		if m.c == c {
			return m.f
		}
	}
	return frame.FormatUnknown
}

// FourCCOf returns the V4L2 fourcc for a streamer format (YUY2 → YUYV,
// I420 → YU12, MJPEG → MJPG), reporting false when V4L2 has none.
func FourCCOf(f frame.Format) (FourCC, bool) {
	for _, m := range fourccFormats {
		if m.f == f {
			return m.c, true
		}
	}
	return 0, false
}

// Camera is a V4L2 capture device and what it can deliver.
type Camera struct {
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
	Formats []CameraFormat
	// Err says why the device could not be queried; the other fields
	// (except Path) are then empty.
	Err error
}

// CameraFormat is one pixel format a camera delivers.
type CameraFormat struct {
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

// CameraDir is where Cameras looks for video* nodes; tests and containers
// may point it elsewhere.
var CameraDir = "/dev"

// ErrNotV4L2 is wrapped by the error for a path that exists but is not a
// V4L2 device.
var ErrNotV4L2 = errors.New("not a V4L2 device")

// Cameras lists the V4L2 video capture devices in CameraDir (video0,
// video1, ... in numeric order). Memory-to-memory codecs and metadata
// nodes (a UVC camera's second node) are left out; a node that cannot be
// queried (permission denied) is listed with Err set. With no device it
// returns an empty list and a nil error.
func Cameras() ([]Camera, error) {
	entries, err := os.ReadDir(CameraDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vaapi: listing cameras: %w", err)
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
	cams := []Camera{}
	for _, n := range nodes {
		path := filepath.Join(CameraDir, n)
		c, err := QueryCamera(path)
		switch {
		case errors.Is(err, ErrNotV4L2):
			continue
		case err != nil:
			cams = append(cams, Camera{Path: path, Err: err})
		case c.Driver != "" && c.isCapture():
			cams = append(cams, c)
		}
	}
	return cams, nil
}

// isCapture reports whether a queried node is a video capture device.
func (c *Camera) isCapture() bool { return len(c.Formats) > 0 || c.Streaming }

// QueryCamera opens path and reads its identity, formats, sizes and rates.
// A path that does not exist wraps gst.ErrNoCamera; one that exists but is
// not a V4L2 device (a file, /dev/null) wraps ErrNotV4L2, naming the path.
// A V4L2 node that is not a video capture device (a memory-to-memory codec,
// a metadata node) gives a Camera with no formats.
func QueryCamera(path string) (Camera, error) {
	c := Camera{Path: path}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return c, fmt.Errorf("vaapi: %w at %s: %w", gst.ErrNoCamera, path, err)
		}
		hint := ""
		if errors.Is(err, unix.EACCES) {
			hint = " (add the user to the video group, or pass the device to the container)"
		}
		return c, fmt.Errorf("vaapi: opening camera %s: %w%s", path, err, hint)
	}
	defer unix.Close(fd)
	var capb v4l2Capability
	if err := ioctl(fd, vidiocQuerycap, unsafe.Pointer(&capb)); err != nil {
		return c, fmt.Errorf("vaapi: %s is %w (VIDIOC_QUERYCAP: %w)", path, ErrNotV4L2, err)
	}
	c.Driver, c.Card, c.BusInfo = cString(capb.Driver[:]), cString(capb.Card[:]), cString(capb.BusInfo[:])
	caps := capb.Capabilities
	if caps&capDeviceCaps != 0 {
		caps = capb.DeviceCaps
	}
	c.Streaming = caps&capStreaming != 0
	if caps&(capVideoM2M|capVideoM2MMPlane) != 0 {
		c.Streaming = false
		return c, nil // a codec, not a camera
	}
	bufType := uint32(bufTypeVideoCapture)
	switch {
	case caps&capVideoCapture != 0:
	case caps&capVideoCaptureMPlan != 0:
		bufType, c.Multiplanar = bufTypeVideoCaptureMPlane, true
	default:
		c.Streaming = false
		return c, nil // metadata, output or radio node
	}
	c.Formats, err = enumFormats(fd, bufType)
	if err != nil {
		return c, fmt.Errorf("vaapi: %s: %w", path, err)
	}
	return c, nil
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return errno
	}
}

func cString(b []byte) string {
	if i := slices.Index(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// maxEnum bounds every enumeration, so a driver that never returns EINVAL
// cannot loop for ever.
const maxEnum = 1024

func enumFormats(fd int, bufType uint32) ([]CameraFormat, error) {
	var out []CameraFormat
	for i := uint32(0); i < maxEnum; i++ {
		d := v4l2Fmtdesc{Index: i, Type: bufType}
		if err := ioctl(fd, vidiocEnumFmt, unsafe.Pointer(&d)); err != nil {
			if errors.Is(err, unix.EINVAL) {
				break
			}
			return out, fmt.Errorf("VIDIOC_ENUM_FMT %d: %w", i, err)
		}
		f := CameraFormat{
			FourCC: FourCC(d.PixelFormat), Description: cString(d.Description[:]),
			Compressed: d.Flags&fmtFlagCompressed != 0, Emulated: d.Flags&fmtFlagEmulated != 0,
		}
		f.Format = f.FourCC.Format()
		sizes, err := enumSizes(fd, d.PixelFormat)
		if err != nil {
			return out, err
		}
		f.Sizes = sizes
		out = append(out, f)
	}
	return out, nil
}

func enumSizes(fd int, pixfmt uint32) ([]FrameSize, error) {
	var out []FrameSize
	for i := uint32(0); i < maxEnum; i++ {
		s := v4l2Frmsizeenum{Index: i, PixelFormat: pixfmt}
		if err := ioctl(fd, vidiocEnumFramesizes, unsafe.Pointer(&s)); err != nil {
			if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTTY) {
				break // the end, or a driver without size enumeration
			}
			return out, fmt.Errorf("VIDIOC_ENUM_FRAMESIZES %v %d: %w", FourCC(pixfmt), i, err)
		}
		var fs FrameSize
		if s.Type == frmTypeDiscrete {
			fs.Width, fs.Height = int(s.U[0]), int(s.U[1])
		} else {
			fs.MinWidth, fs.Width, fs.StepWidth = int(s.U[0]), int(s.U[1]), int(s.U[2])
			fs.MinHeight, fs.Height, fs.StepHeight = int(s.U[3]), int(s.U[4]), int(s.U[5])
		}
		if err := enumRates(fd, pixfmt, &fs); err != nil {
			return out, err
		}
		out = append(out, fs)
		if s.Type != frmTypeDiscrete {
			break // one range describes every size
		}
	}
	return out, nil
}

func enumRates(fd int, pixfmt uint32, fs *FrameSize) error {
	for i := uint32(0); i < maxEnum; i++ {
		v := v4l2Frmivalenum{Index: i, PixelFormat: pixfmt, Width: uint32(fs.Width), Height: uint32(fs.Height)}
		if err := ioctl(fd, vidiocEnumFrameintervals, unsafe.Pointer(&v)); err != nil {
			if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTTY) {
				return nil
			}
			return fmt.Errorf("VIDIOC_ENUM_FRAMEINTERVALS %v %dx%d: %w", FourCC(pixfmt), fs.Width, fs.Height, err)
		}
		// An interval is seconds per frame; a rate is its inverse.
		if v.Type == frmTypeDiscrete {
			fs.Rates = append(fs.Rates, frame.Rational{Num: int(v.U[1]), Den: int(v.U[0])})
			continue
		}
		// Stepwise or continuous: min interval is the max rate.
		fs.MaxRate = frame.Rational{Num: int(v.U[1]), Den: int(v.U[0])}
		fs.MinRate = frame.Rational{Num: int(v.U[3]), Den: int(v.U[2])}
		return nil
	}
	return nil
}

// Capture returns a gst.Camera capturing from c in format f (YUY2, NV12,
// I420, MJPEG or H264) at the given size and rate (zero values let the
// camera choose). Frames are v4l2src's buffers, passed on without a copy;
// a buffer goes back to the driver when its last frame reference is
// released.
func (c Camera) Capture(f frame.Format, width, height int, fps frame.Rational) (*gst.Camera, error) {
	if c.Err != nil {
		return nil, c.Err
	}
	if f != frame.FormatUnknown {
		ok := false
		for _, cf := range c.Formats {
			ok = ok || cf.Format == f
		}
		if !ok {
			return nil, fmt.Errorf("vaapi: camera %s (%s) does not deliver %v", c.Path, c.Card, f)
		}
	}
	return &gst.Camera{Device: c.Path, Format: f, Width: width, Height: height, FPS: fps}, nil
}

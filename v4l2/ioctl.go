// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package v4l2

import (
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/spinorml/streamer/frame"
)

// The four read-only ioctls, on structs laid out as linux/videodev2.h lays
// them out; check.go makes a cgo build fail if a size, request number or
// constant here differs from the installed header.

// ioctl request numbers: _IOR('V', 0, v4l2_capability), _IOWR('V', 2,
// v4l2_fmtdesc), _IOWR('V', 74, v4l2_frmsizeenum), _IOWR('V', 75,
// v4l2_frmivalenum).
const (
	vidiocQuerycap           = 0x80685600
	vidiocEnumFmt            = 0xc0405602
	vidiocEnumFramesizes     = 0xc02c564a
	vidiocEnumFrameintervals = 0xc034564b
)

// Capability flags (struct v4l2_capability's capabilities).
const (
	capVideoCapture      = 0x00000001
	capVideoCaptureMPlan = 0x00001000
	capVideoM2MMPlane    = 0x00004000
	capVideoM2M          = 0x00008000
	capStreaming         = 0x04000000
	capDeviceCaps        = 0x80000000
)

// Buffer types, format flags, and frame size and interval types.
const (
	bufTypeVideoCapture       = 1
	bufTypeVideoCaptureMPlane = 9
	fmtFlagCompressed         = 0x1
	fmtFlagEmulated           = 0x2
	frmTypeDiscrete           = 1
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

// ioctl runs one request, retrying when a signal interrupts it.
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

// cString returns the bytes of b before its first NUL.
func cString(b []byte) string {
	if i := slices.Index(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// maxEnum bounds every enumeration, so a driver that never returns EINVAL
// cannot loop for ever.
const maxEnum = 1024

// enumFormats lists the pixel formats of buffer type bufType, each with
// its sizes and rates; EINVAL ends the list.
func enumFormats(fd int, bufType uint32) ([]FormatDesc, error) {
	var out []FormatDesc
	for i := uint32(0); i < maxEnum; i++ {
		d := v4l2Fmtdesc{Index: i, Type: bufType}
		if err := ioctl(fd, vidiocEnumFmt, unsafe.Pointer(&d)); err != nil {
			if errors.Is(err, unix.EINVAL) {
				break
			}
			return out, fmt.Errorf("VIDIOC_ENUM_FMT %d: %w", i, err)
		}
		f := FormatDesc{
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

// enumSizes lists the frame sizes of a pixel format: discrete sizes, or
// one range; a driver without size enumeration gives none.
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

// enumRates fills fs's rates at its (largest) size: discrete rates, or a
// range; a driver without interval enumeration gives none.
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

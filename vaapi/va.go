// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

/*
#cgo pkg-config: libva libva-drm
#include <stdlib.h>
#include <string.h>
#include <va/va.h>
#include <va/va_drm.h>

// streamer_va_log collects libva's error messages for one display, so a
// device that fails to open reports libva's own reason.
typedef struct {
	char text[1024];
} streamer_va_log;

static void streamer_va_error(void *user, const char *msg) {
	streamer_va_log *log = user;
	size_t n = strlen(log->text);
	if (n + 3 >= sizeof log->text)
		return;
	if (n > 0) {
		strcat(log->text, "; ");
		n += 2;
	}
	strncat(log->text, msg, sizeof log->text - n - 1);
	// libva's messages end with a newline.
	size_t m = strlen(log->text);
	while (m > 0 && (log->text[m-1] == '\n' || log->text[m-1] == ' '))
		log->text[--m] = 0;
}

static void streamer_va_quiet(void *user, const char *msg) {}

// streamer_va_open opens a display on fd with libva's messages routed to
// log (errors) and nowhere (info), and initialises it.
static VAStatus streamer_va_open(int fd, streamer_va_log *log, VADisplay *dpy, int *major, int *minor) {
	*dpy = vaGetDisplayDRM(fd);
	if (*dpy == NULL)
		return VA_STATUS_ERROR_INVALID_DISPLAY;
	vaSetErrorCallback(*dpy, streamer_va_error, log);
	vaSetInfoCallback(*dpy, streamer_va_quiet, NULL);
	return vaInitialize(*dpy, major, minor);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unsafe"
)

// Compile-time checks that the Go mirrors of libva's enums match va.h: an
// index out of range here means a value drifted.
var (
	_ = [1]int{}[ProfileMPEG2Simple-C.VAProfileMPEG2Simple]
	_ = [1]int{}[ProfileMPEG2Main-C.VAProfileMPEG2Main]
	_ = [1]int{}[ProfileH264Main-C.VAProfileH264Main]
	_ = [1]int{}[ProfileH264High-C.VAProfileH264High]
	_ = [1]int{}[ProfileJPEGBaseline-C.VAProfileJPEGBaseline]
	_ = [1]int{}[ProfileH264ConstrainedBaseline-C.VAProfileH264ConstrainedBaseline]
	_ = [1]int{}[ProfileVP8Version0_3-C.VAProfileVP8Version0_3]
	_ = [1]int{}[ProfileH264MultiviewHigh-C.VAProfileH264MultiviewHigh]
	_ = [1]int{}[ProfileH264StereoHigh-C.VAProfileH264StereoHigh]
	_ = [1]int{}[ProfileHEVCMain-C.VAProfileHEVCMain]
	_ = [1]int{}[ProfileHEVCMain10-C.VAProfileHEVCMain10]
	_ = [1]int{}[ProfileVP9Profile0-C.VAProfileVP9Profile0]
	_ = [1]int{}[ProfileVP9Profile1-C.VAProfileVP9Profile1]
	_ = [1]int{}[ProfileVP9Profile2-C.VAProfileVP9Profile2]
	_ = [1]int{}[ProfileVP9Profile3-C.VAProfileVP9Profile3]
	_ = [1]int{}[ProfileHEVCMain12-C.VAProfileHEVCMain12]
	_ = [1]int{}[ProfileHEVCMain422_10-C.VAProfileHEVCMain422_10]
	_ = [1]int{}[ProfileHEVCMain422_12-C.VAProfileHEVCMain422_12]
	_ = [1]int{}[ProfileHEVCMain444-C.VAProfileHEVCMain444]
	_ = [1]int{}[ProfileHEVCMain444_10-C.VAProfileHEVCMain444_10]
	_ = [1]int{}[ProfileHEVCMain444_12-C.VAProfileHEVCMain444_12]
	_ = [1]int{}[ProfileHEVCSccMain-C.VAProfileHEVCSccMain]
	_ = [1]int{}[ProfileHEVCSccMain10-C.VAProfileHEVCSccMain10]
	_ = [1]int{}[ProfileHEVCSccMain444-C.VAProfileHEVCSccMain444]
	_ = [1]int{}[ProfileAV1Profile0-C.VAProfileAV1Profile0]
	_ = [1]int{}[ProfileAV1Profile1-C.VAProfileAV1Profile1]
	_ = [1]int{}[ProfileHEVCSccMain444_10-C.VAProfileHEVCSccMain444_10]
	_ = [1]int{}[ProfileNone+1-(C.VAProfileNone+1)]
	_ = [1]int{}[EntrypointVLD-C.VAEntrypointVLD]
	_ = [1]int{}[EntrypointEncSlice-C.VAEntrypointEncSlice]
	_ = [1]int{}[EntrypointEncPicture-C.VAEntrypointEncPicture]
	_ = [1]int{}[EntrypointEncSliceLP-C.VAEntrypointEncSliceLP]
	_ = [1]int{}[EntrypointVideoProc-C.VAEntrypointVideoProc]
)

// DefaultDeviceDir is where Devices, and the constructors, look for DRM
// render nodes (renderD*): GStreamer's va plugin registers its elements for
// the nodes there.
const DefaultDeviceDir = "/dev/dri"

// ErrNoDevice is wrapped by errors about a missing VA-API device: no render
// node, none that opens, or none that can do what was asked.
var ErrNoDevice = errors.New("vaapi: no VA-API device")

// Device is a DRM render node and what its VA-API driver offers.
type Device struct {
	// Path is the render node, such as /dev/dri/renderD128.
	Path string
	// Vendor is the driver's vendor string (vaQueryVendorString), e.g.
	// "Intel iHD driver for Intel(R) Gen Graphics - 23.1.1 ()".
	Vendor string
	// Version is the VA-API version the driver speaks, e.g. "1.17".
	Version string
	// Caps lists every profile/entrypoint pair the driver supports.
	Caps Capabilities
	// Err says why the device could not be opened (permission denied,
	// no driver: libva's message); the other fields are then empty.
	Err error
	// index is the device's position among the devices that opened, in
	// path order: GStreamer's va plugin names the elements of the first
	// such device vah264dec, and of the others varenderD129h264dec.
	index int
}

// String returns the path and vendor, or the path and the error.
func (d Device) String() string {
	if d.Err != nil {
		return d.Err.Error() // it names the path
	}
	return fmt.Sprintf("%s: %s (VA-API %s)", d.Path, d.Vendor, d.Version)
}

// Devices lists the render nodes in DefaultDeviceDir; see DevicesIn.
func Devices() ([]Device, error) { return DevicesIn(DefaultDeviceDir) }

// DevicesIn lists the render nodes in dir (sorted by path) and opens each
// with libva to read its vendor and capability table. A node that cannot be
// opened is listed with Err set, never skipped silently and never a crash.
// With no render node, or no dir, it returns an empty list and a nil error;
// the error is for a dir that cannot be read.
func DevicesIn(dir string) ([]Device, error) {
	paths, err := renderNodes(dir)
	if err != nil {
		return nil, err
	}
	devs := make([]Device, 0, len(paths))
	index := 0
	for _, p := range paths {
		d := openDevice(p)
		if d.Err == nil {
			d.index = index
			index++
		}
		devs = append(devs, d)
	}
	return devs, nil
}

// renderNodes returns the renderD* entries of dir, sorted; a missing
// directory is no device, not an error.
func renderNodes(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vaapi: listing render nodes: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "renderD") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(paths)
	return paths, nil
}

// DeviceError is the Err of a device that could not be opened.
type DeviceError struct {
	Path   string
	Op     string // "open", "stat", "vaGetDisplayDRM", "vaInitialize"
	Reason string // the system's or libva's message
	Hint   string // what to do about it, when known
	Err    error  // the underlying error, when there is one
}

func (e *DeviceError) Error() string {
	s := fmt.Sprintf("vaapi: %s: %s: %s", e.Path, e.Op, e.Reason)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *DeviceError) Unwrap() error { return e.Err }

// openDevice opens path with libva and reads its vendor and capabilities;
// any failure is reported in Device.Err.
func openDevice(path string) Device {
	d := Device{Path: path}
	fail := func(op, reason, hint string, err error) Device {
		d.Err = &DeviceError{Path: path, Op: op, Reason: reason, Hint: hint, Err: err}
		return d
	}
	st, err := os.Stat(path)
	if err != nil {
		return fail("stat", errReason(err), "", err)
	}
	if st.Mode()&os.ModeCharDevice == 0 {
		return fail("stat", "not a character device (a DRM render node is one)", "", nil)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		hint := ""
		if errors.Is(err, os.ErrPermission) {
			hint = "add the user to the render group, or pass the device to the container"
		}
		return fail("open", errReason(err), hint, err)
	}
	defer f.Close()

	// libva keeps the log pointer until vaTerminate: C memory, freed after.
	log := (*C.streamer_va_log)(C.calloc(1, C.sizeof_streamer_va_log))
	defer C.free(unsafe.Pointer(log))
	var dpy C.VADisplay
	var major, minor C.int
	st2 := C.streamer_va_open(C.int(f.Fd()), log, &dpy, &major, &minor)
	if dpy == nil {
		return fail("vaGetDisplayDRM", "not a DRM device: libva cannot make a display on it", "", nil)
	}
	defer C.vaTerminate(dpy)
	if st2 != C.VA_STATUS_SUCCESS {
		reason := C.GoString(C.vaErrorStr(st2))
		if msg := C.GoString(&log.text[0]); msg != "" {
			reason += ": " + msg
		}
		return fail("vaInitialize", reason, "is a VA driver installed? intel-media-va-driver (Intel Broadwell+), i965-va-driver (older Intel) or mesa-va-drivers (AMD); LIBVA_DRIVER_NAME picks one", nil)
	}
	d.Version = fmt.Sprintf("%d.%d", int(major), int(minor))
	d.Vendor = C.GoString(C.vaQueryVendorString(dpy))
	d.Caps, err = queryCaps(dpy)
	if err != nil {
		return fail("vaQueryConfigProfiles", err.Error(), "", err)
	}
	return d
}

func errReason(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}

// queryCaps reads every profile and each profile's entrypoints.
func queryCaps(dpy C.VADisplay) (Capabilities, error) {
	n := C.vaMaxNumProfiles(dpy)
	if n <= 0 {
		return nil, nil
	}
	profs := make([]C.VAProfile, n)
	var got C.int
	if st := C.vaQueryConfigProfiles(dpy, (*C.VAProfile)(unsafe.Pointer(&profs[0])), &got); st != C.VA_STATUS_SUCCESS {
		return nil, errors.New(C.GoString(C.vaErrorStr(st)))
	}
	m := C.vaMaxNumEntrypoints(dpy)
	if m <= 0 {
		return nil, nil
	}
	eps := make([]C.VAEntrypoint, m)
	var caps Capabilities
	for _, p := range profs[:got] {
		var ne C.int
		if C.vaQueryConfigEntrypoints(dpy, p, (*C.VAEntrypoint)(unsafe.Pointer(&eps[0])), &ne) != C.VA_STATUS_SUCCESS {
			continue // a profile the driver lists but cannot use
		}
		for _, e := range eps[:ne] {
			caps = append(caps, Capability{Profile: Profile(p), Entrypoint: Entrypoint(e)})
		}
	}
	slices.SortFunc(caps, func(a, b Capability) int {
		if a.Profile != b.Profile {
			return int(a.Profile) - int(b.Profile)
		}
		return int(a.Entrypoint) - int(b.Entrypoint)
	})
	return caps, nil
}

// noDeviceError is the error for a machine with no render node at all.
func noDeviceError() error {
	return fmt.Errorf("%w: %s/renderD* does not exist (install a GPU driver: intel-media-va-driver or mesa-va-drivers)", ErrNoDevice, deviceDir)
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-app-1.0 gstreamer-video-1.0 gstreamer-audio-1.0 gstreamer-pbutils-1.0
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unsafe"

	gogst "github.com/go-gst/go-gst/gst"
)

var initOnce sync.Once //nolint:gochecknoglobals // GStreamer is initialised once per process

// Init initialises GStreamer once; every constructor calls it, so calling it
// yourself is needed only to use GStreamer before making a stage. It is safe
// from any goroutine.
func Init() {
	initOnce.Do(func() {
		gogst.Init(nil)
		C.streamer_watch_errors()
	})
}

// packages maps element factories to the Debian package that provides them,
// so a missing element's error says what to install.
var packages = map[string]string{ //nolint:gochecknoglobals // a table: the Debian package of each element
	"x264enc": "gstreamer1.0-plugins-ugly", "x265enc": "gstreamer1.0-plugins-bad",
	"openh264enc": "gstreamer1.0-plugins-bad", "openh264dec": "gstreamer1.0-plugins-bad",
	"vp8enc": "gstreamer1.0-plugins-good", "vp9enc": "gstreamer1.0-plugins-good",
	"vp8dec": "gstreamer1.0-plugins-good", "vp9dec": "gstreamer1.0-plugins-good",
	"av1enc": "gstreamer1.0-plugins-bad", "av1dec": "gstreamer1.0-plugins-bad",
	"svtav1enc": "gstreamer1.0-plugins-bad", "rav1enc": "gstreamer1.0-plugins-rs",
	"opusenc": "gstreamer1.0-plugins-base", "opusdec": "gstreamer1.0-plugins-base",
	"avenc_aac": "gstreamer1.0-libav", "avdec_aac": "gstreamer1.0-libav",
	"avdec_h264": "gstreamer1.0-libav", "avdec_h265": "gstreamer1.0-libav",
	"voaacenc": "gstreamer1.0-plugins-bad", "fdkaacenc": "gstreamer1.0-plugins-bad",
	"h264parse": "gstreamer1.0-plugins-bad", "h265parse": "gstreamer1.0-plugins-bad",
	"vp9parse": "gstreamer1.0-plugins-bad", "av1parse": "gstreamer1.0-plugins-bad",
	"aacparse": "gstreamer1.0-plugins-good", "opusparse": "gstreamer1.0-plugins-bad", "lamemp3enc": "gstreamer1.0-plugins-good",
	"mp4mux": "gstreamer1.0-plugins-good", "qtmux": "gstreamer1.0-plugins-good",
	"matroskamux": "gstreamer1.0-plugins-good", "webmmux": "gstreamer1.0-plugins-good",
	"mpegtsmux": "gstreamer1.0-plugins-bad", "qtdemux": "gstreamer1.0-plugins-good",
	"matroskademux": "gstreamer1.0-plugins-good", "v4l2src": "gstreamer1.0-plugins-good",
	"autovideosrc": "gstreamer1.0-plugins-good", "autovideosink": "gstreamer1.0-plugins-good",
	"autoaudiosink": "gstreamer1.0-plugins-good", "pulsesrc": "gstreamer1.0-pulseaudio",
	"videotestsrc": "gstreamer1.0-plugins-base", "audiotestsrc": "gstreamer1.0-plugins-base",
	"videoconvert": "gstreamer1.0-plugins-base", "videoscale": "gstreamer1.0-plugins-base",
	"audioconvert": "gstreamer1.0-plugins-base", "audioresample": "gstreamer1.0-plugins-base",
	"appsrc": "gstreamer1.0-plugins-base", "appsink": "gstreamer1.0-plugins-base",
	"vah264enc": "gstreamer1.0-plugins-bad (and a VA driver)", "vah265enc": "gstreamer1.0-plugins-bad (and a VA driver)",
	"vah264dec": "gstreamer1.0-plugins-bad (and a VA driver)", "nvh264enc": "gstreamer1.0-plugins-bad (and an NVIDIA driver)",
}

// ErrMissingElement is wrapped by errors about an element GStreamer does not
// have (a plugin not installed or a misspelt name).
var ErrMissingElement = errors.New("missing GStreamer element")

var noElement = regexp.MustCompile(`no element "([^"]+)"`)

// parseError turns gst_parse_launch's message into an error naming the
// description and, for a missing element, the package to install.
func parseError(desc, msg string) error {
	if m := noElement.FindStringSubmatch(msg); m != nil {
		return missingElement(m[1], desc)
	}
	return fmt.Errorf("gst: invalid launch description %q: %s", desc, msg)
}

func missingElement(name, desc string) error {
	hint := "check the name with gst-inspect-1.0"
	if pkg, ok := packages[name]; ok {
		hint = "install " + pkg
	}
	if desc != "" {
		return fmt.Errorf("gst: %w %q in %q (%s)", ErrMissingElement, name, desc, hint)
	}
	return fmt.Errorf("gst: %w %q (%s)", ErrMissingElement, name, hint)
}

// HasElement reports whether GStreamer has the element factory name.
func HasElement(name string) bool {
	Init()
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.streamer_element_exists(cs) != 0
}

// firstAvailable returns the first of names GStreamer has.
func firstAvailable(names ...string) (string, bool) {
	for _, n := range names {
		if HasElement(n) {
			return n, true
		}
	}
	return "", false
}

// Error is an error or warning GStreamer posted on a pipeline's bus.
type Error struct {
	Element string // the element that posted it
	Message string
	Debug   string // GStreamer's debug details (file, function, reason)
}

// Error returns the element, the message and the first line of the debug
// details.
func (e *Error) Error() string {
	s := "gst: " + e.Element + ": " + e.Message
	if e.Debug != "" {
		s += " (" + firstLine(e.Debug) + ")"
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	// GStreamer debug strings are "file(line): function (): element:\nreason".
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

func goString(c *C.char) string {
	if c == nil {
		return ""
	}
	s := C.GoString(c)
	C.g_free(C.gpointer(c))
	return s
}

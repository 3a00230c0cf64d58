// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// logLevels are SetLogLevel's names of FFmpeg's log levels.
var logLevels = map[string]astiav.LogLevel{ //nolint:gochecknoglobals // a table, never written
	"quiet": astiav.LogLevelQuiet, "panic": astiav.LogLevelPanic, "fatal": astiav.LogLevelFatal,
	"error": astiav.LogLevelError, "warning": astiav.LogLevelWarning, "info": astiav.LogLevelInfo,
	"verbose": astiav.LogLevelVerbose, "debug": astiav.LogLevelDebug,
}

// The package starts FFmpeg's log at the warning level (FFmpeg's own
// default is info, which prints a banner line per stream opened), and
// installs a log callback that prints as FFmpeg's default one does and also
// keeps what an encoder logs while it opens, so that the error of a refused
// option carries FFmpeg's own words. Another library that takes FFmpeg's
// log (GStreamer's libav plugin routes it to GStreamer's debug log when it
// loads; astiav.SetLogCallback) has it until the next encoder of this
// package checks its options or opens, which takes it back.
func init() {
	C.sm_log_install()
	astiav.SetLogLevel(astiav.LogLevelWarning)
	quietSVT()
}

// quietSVT sets SVT-AV1's log level (it prints a banner per encoder on its
// own) to warnings when the environment does not say otherwise. It runs
// once, from init: setenv is not safe while C threads of running
// pipelines read the environment.
func quietSVT() {
	if _, set := os.LookupEnv("SVT_LOG"); !set {
		// It fails only for a malformed name; SVT-AV1 then keeps its own level.
		_ = os.Setenv("SVT_LOG", svtLevels[2])
	}
}

// SetLogLevel sets what FFmpeg's libraries print on standard error, process
// wide: "quiet", "panic", "fatal", "error", "warning" (this package's
// default), "info" (FFmpeg's own default), "verbose" or "debug". Errors
// returned by this package carry what FFmpeg logged about them whatever the
// level.
func SetLogLevel(level string) error {
	l, ok := logLevels[level]
	if !ok {
		return fmt.Errorf("ffmpeg: unknown log level %q", level)
	}
	astiav.SetLogLevel(l)
	return nil
}

// logBuf is a C buffer for what FFmpeg logs during one call.
type logBuf struct {
	p    *C.char
	size C.int
}

const logBufSize = 4096

func newLogBuf() logBuf {
	return logBuf{p: (*C.char)(C.calloc(1, logBufSize)), size: logBufSize}
}

func (b logBuf) free() { C.free(unsafe.Pointer(b.p)) }

// text returns the messages logged, one a line, joined with "; "; "" when
// none (or when the buffer could not be allocated).
func (b logBuf) text() string {
	if b.p == nil {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(C.GoString(b.p), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}

// withLog appends FFmpeg's logged text to err, when there is some.
func withLog(err error, logged string) error {
	if err == nil || logged == "" {
		return err
	}
	return fmt.Errorf("%w: %s", err, logged)
}

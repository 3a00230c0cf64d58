// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"fmt"

	"github.com/asticode/go-astiav"
)

var logLevels = map[string]astiav.LogLevel{
	"quiet": astiav.LogLevelQuiet, "panic": astiav.LogLevelPanic, "fatal": astiav.LogLevelFatal,
	"error": astiav.LogLevelError, "warning": astiav.LogLevelWarning, "info": astiav.LogLevelInfo,
	"verbose": astiav.LogLevelVerbose, "debug": astiav.LogLevelDebug,
}

// SetLogLevel sets what FFmpeg's libraries print on standard error, process
// wide: "quiet", "panic", "fatal", "error", "warning", "info" (FFmpeg's
// default), "verbose" or "debug".
func SetLogLevel(level string) error {
	l, ok := logLevels[level]
	if !ok {
		return fmt.Errorf("ffmpeg: unknown log level %q", level)
	}
	astiav.SetLogLevel(l)
	return nil
}

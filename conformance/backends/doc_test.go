// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package backends_test is the conformance suite of the media backends:
// encodes, transcodes, stream copies and graceful stops run through the gst
// and ffmpeg stages, each output checked by ffprobe and ffmpeg (package
// conformance), never by this module's own code.
package backends_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

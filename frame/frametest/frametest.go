// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package frametest checks, in the tests of any package, that no frame
// handle outlives a test. It depends on package frame alone, so the tests
// of every package can use it, package stage's own included.
package frametest

import (
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
)

// NoLeaks fails t, when it ends, if frame handles made during it are still
// alive (frame.Live is process-wide: do not run leak-checked tests in
// parallel).
func NoLeaks(t testing.TB) {
	t.Helper()
	live := frame.Live()
	t.Cleanup(func() {
		// A backend may free a wrapped buffer on its own thread just after
		// its pipeline stops (GStreamer does): give it a moment.
		for i := 0; i < 100 && frame.Live() != live; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if got := frame.Live(); got != live {
			t.Errorf("%d frame handles leaked", got-live)
		}
	})
}

// StaleIsCaught fails t unless a Release and a Retain through stale, a
// copy of a frame already released, both panic: the check of
// frame.ReuseHandles, which only builds under the race detector make. It
// skips t in other builds.
func StaleIsCaught(t testing.TB, stale interface {
	Retain()
	Release()
}) {
	t.Helper()
	if frame.ReuseHandles {
		t.Skip("handles are reused in builds without -race: the check runs under go test -race")
	}
	// Release first: a Retain that is refused must leave the count as it
	// was, which the Release after it then checks too.
	if !panics(stale.Release) {
		t.Error("a stale Release went through")
	}
	if !panics(stale.Retain) {
		t.Error("a stale Retain went through")
	}
	if !panics(stale.Release) {
		t.Error("a stale Release after a refused Retain went through")
	}
}

func panics(fn func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	fn()
	return false
}

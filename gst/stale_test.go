// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"testing"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// A Release or Retain through a stale copy of a released gst frame is
// caught (under -race, where handles are not reused) and never touches the
// GstBuffer of another frame.
func TestStaleHandleIsCaught(t *testing.T) {
	if frame.ReuseHandles {
		t.Skip("handles are reused in builds without -race: the check runs under go test -race")
	}
	noLeaks(t)
	sink := &stage.Collect[frame.Video]{}
	g := stream.Connect[frame.Video](gst.NewSource[frame.Video]("videotestsrc num-buffers=2 ! video/x-raw,width=64,height=48"), nil, sink)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fs := sink.Frames()
	stale := fs[0]
	sink.Release()
	frametest.StaleIsCaught(t, stale)
}

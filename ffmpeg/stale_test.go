// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"testing"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// A Release or Retain through a stale copy of a released ffmpeg frame (an
// AVPacket here) is caught under -race, where handles are not reused, and
// never touches another frame's packet.
func TestStaleHandleIsCaught(t *testing.T) {
	if frame.ReuseHandles {
		t.Skip("handles are reused in builds without -race: the check runs under go test -race")
	}
	noLeaks(t)
	sink := &stage.Collect[frame.Video]{}
	g := stream.Connect[frame.Video](&stage.Pattern{Width: 64, Height: 48, Frames: 3},
		stream.Via[frame.Video](&ffmpeg.Encoder[frame.Video]{Format: frame.H264, Preset: "ultrafast"}), sink)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fs := sink.Frames()
	if _, ok := fs[0].Data.(*ffmpeg.FrameData); !ok {
		t.Fatalf("encoded frame data is %T", fs[0].Data)
	}
	stale := fs[0]
	sink.Release()
	frametest.StaleIsCaught(t, stale)
}

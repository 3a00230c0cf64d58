// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// A MuxSink input whose frames have no caps ends its stream, so the muxer
// does not wait on it while the other input fills the pipeline: Run fails
// with the caps error instead of hanging until cancelled.
func TestMuxSinkInputWithoutCapsDoesNotHang(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	bad := stage.Map(func(_ context.Context, v frame.Video) (frame.Video, error) {
		v.Format = frame.FormatUnknown // no caps describe it
		return v, nil
	})
	video := stream.AddTransform(g, "unknown", stream.AddSource(g, "pattern", &stage.Pattern{Width: 64, Height: 48, Frames: 30}), bad)
	audio := stream.AddSource(g, "sine", &stage.Sine{Samples: 1024, Frames: 300})
	sink := &gst.MuxSink{Video: "identity", Audio: "audioconvert ! opusenc", Muxer: "matroskamux", Output: "fakesink"}
	g.Add("mux", func(ctx context.Context) error { return sink.Run(ctx, video.In(), audio.In()) }).Reads(video, audio)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := g.Run(ctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run: %v, want the caps error before the deadline", err)
	}
	t.Log(err)
}

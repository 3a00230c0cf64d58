// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/streamtest"
)

// A gst-only graph — source → encoder → decoder → sink, with a tee to a
// second sink — failing or cancelled at frame k at every position: Run
// returns promptly with the injected error naming the stage (or
// context.Canceled), every frame released, no goroutine left; the child
// process of TestNoGStreamerObjectLeaks covers GStreamer's own objects.
func TestGstFaultsAtEveryPosition(t *testing.T) {
	build := func(pos int, f stagetest.Fault) (*stream.Graph, string, bool) {
		var src stage.Source[V] = gst.NewSource[V]("videotestsrc ! video/x-raw,width=160,height=120,framerate=30/1")
		enc, _ := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "ultrafast", LowLatency: true})
		dec, _ := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264})
		via := []stage.Transform[V, V]{enc, dec}
		var sink stage.Sink[V] = gst.NewSink[V]("fakesink")
		var side stage.Sink[V] = gst.NewSink[V]("videoconvert ! fakesink")
		names := []string{"gst-source", enc.Name(), dec.Name(), "gst-sink", "side"}
		switch pos {
		case 0:
			src = stagetest.Source(src, f)
		case 1, 2:
			via[pos-1] = stagetest.Transform(via[pos-1], f)
		case 3:
			sink = stagetest.Sink(sink, f)
		case 4:
			side = stagetest.Sink(side, f)
		default:
			return nil, "", false
		}
		g := stream.New()
		branches := stream.AddTee(g, "tee", stream.AddSource(g, "", src), 2)
		p := branches[0]
		for _, tr := range via {
			p = stream.AddTransform(g, "", p, tr)
		}
		stream.AddSink(g, "", p, sink)
		stream.AddSink(g, "side", branches[1], side)
		return g, names[pos], true
	}
	streamtest.FaultMatrix(t, build, []int{10}, 2*time.Second)
}

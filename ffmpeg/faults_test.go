// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/streamtest"
)

// A graph mixing both backends — gst source → ffmpeg H264 encoder → gst
// decoder → ffmpeg scaler → sink — failing or cancelled at frame k at every
// position: Run returns promptly with the injected error naming the stage
// (or context.Canceled), with every frame released and no goroutine left.
func TestMixedBackendFaultsAtEveryPosition(t *testing.T) {
	build := func(pos int, f stagetest.Fault) (*stream.Graph, string, bool) {
		src := gst.NewSource[V]("videotestsrc ! video/x-raw,format=I420,width=160,height=120,framerate=30/1")
		dec, err := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264})
		if err != nil {
			t.Fatal(err)
		}
		via := []stage.Transform[V, V]{
			&ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast", Tune: "zerolatency"},
			dec,
			&ffmpeg.Scaler{Width: 80, Height: 60},
		}
		return streamtest.Linear(src, via, stage.Sink[V](&stage.Null[V]{}), []string{"src", "encode", "decode", "scale", "sink"}, pos, f)
	}
	streamtest.FaultMatrix(t, build, []int{10}, 2*time.Second)
}

// The same over an ffmpeg-only graph — demux → decode → scale → encode →
// sink — from a file.
func TestFFmpegFaultsAtEveryPosition(t *testing.T) {
	in := h264AAC(t)
	build := func(pos int, f stagetest.Fault) (*stream.Graph, string, bool) {
		d := &ffmpeg.Demux{URL: in}
		var src stage.Source[V] = stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
			return d.Run(ctx, out, stage.Out[A]{}) // video only
		})
		via := []stage.Transform[V, V]{
			ffmpeg.NewVideoDecoder(),
			&ffmpeg.Scaler{Width: 160, Height: 120},
			&ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast", Tune: "zerolatency"},
		}
		return streamtest.Linear(src, via, stage.Sink[V](&stage.Null[V]{}), []string{"demux", "decode", "scale", "encode", "sink"}, pos, f)
	}
	streamtest.FaultMatrix(t, build, []int{1, 10}, 2*time.Second)
}

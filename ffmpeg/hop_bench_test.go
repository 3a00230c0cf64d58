// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"testing"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// BenchmarkFFmpegHop is the cost per frame of two ffmpeg stages: a Scaler
// turning the pattern's Go-memory frames into AVFrames (a counted copy and
// a conversion), and a second one with nothing to do (the frames' own size
// and format), which hands each AVFrame on. Compare commits with benchstat;
// it is not a figure of one hop alone.
func BenchmarkFFmpegHop(b *testing.B) {
	b.ReportAllocs()
	src := &stage.Pattern{Width: 64, Height: 48, Frames: b.N}
	toAV := &ffmpeg.Scaler{Width: 64, Height: 48, Format: frame.NV12}
	hop := &ffmpeg.Scaler{Width: 64, Height: 48, Format: frame.NV12}
	g := stream.Connect[frame.Video](src, stream.Via[frame.Video](toAV, hop), &stage.Null[frame.Video]{})
	b.ResetTimer()
	if err := g.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}

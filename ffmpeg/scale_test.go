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

func TestScalerFromPatternAndDecoder(t *testing.T) {
	noLeaks(t)
	// CPU frames in: one copy each, then scaled and converted to NV12.
	col := &stage.Collect[V]{}
	defer col.Release()
	copied := frame.CopiedBytes()
	err := stream.Connect[V](&stage.Pattern{Width: 320, Height: 240, Frames: 5},
		stream.Via[V](&ffmpeg.Scaler{Width: 161, Height: 91, Format: frame.NV12}), col).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := frame.CopiedBytes() - copied; got != 5*320*240*3/2 {
		t.Errorf("copied %d bytes, want one copy per frame", got)
	}
	fs := col.Frames()
	if len(fs) != 5 {
		t.Fatalf("%d frames", len(fs))
	}
	for _, v := range fs {
		planes, err := v.Planes(context.Background())
		if err != nil || v.Format != frame.NV12 || v.Width != 161 || v.Height != 91 || len(planes) != 2 ||
			len(planes[0]) != v.Strides[0]*91 || len(planes[1]) != v.Strides[1]*46 || v.Strides[1] < 162 {
			t.Fatalf("%v strides %v planes %d %v", v, v.Strides, len(planes), err)
		}
	}
	// Frames already as asked pass through.
	col2 := &stage.Collect[V]{}
	defer col2.Release()
	copied = frame.CopiedBytes()
	err = stream.Connect[V](&stage.Pattern{Width: 64, Height: 48, Frames: 3},
		stream.Via[V](&ffmpeg.Scaler{}), col2).Run(context.Background())
	if err != nil || len(col2.Frames()) != 3 || frame.CopiedBytes() != copied || col2.Frames()[0].Data.Location() != frame.CPU {
		t.Fatalf("pass-through: %v, %d frames", err, len(col2.Frames()))
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"context"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// Every number reads back from a clean picture, and a picture without a
// stamp, or with one block of a pair flipped, reads as nothing.
func TestStampRoundTrip(t *testing.T) {
	const w, h = 320, 64
	y := make([]byte, w*h)
	for _, n := range []int{0, 1, 2, 255, 256, 0x5a5a, 0xa5a5, 0xffff} {
		paint(y, w, w, h, n)
		if got, ok := readStamp(y, w); !ok || got != n {
			t.Errorf("stamped %d, read %d, %v", n, got, ok)
		}
	}
	fill(y, w, stampX+3*stampBlock, stampY+stampBlock, true)
	fill(y, w, stampX+3*stampBlock, stampY, true)
	if n, ok := readStamp(y, w); ok {
		t.Errorf("a block pair both white read as %d", n)
	}
	if n, ok := readStamp(make([]byte, w*h), w); ok {
		t.Errorf("a black picture read as %d", n)
	}
	if _, ok := readStamp(y[:w*10], w); ok {
		t.Error("a picture too small to hold a stamp read")
	}
}

// The numbers survive H.264 at the bench's settings: every frame of an
// encode → decode round trip on each backend reads back as sent.
func TestStampSurvivesH264(t *testing.T) {
	const w, h, n = 640, 360, 60
	for _, b := range []string{"ffmpeg", "gst"} {
		t.Run(b, func(t *testing.T) {
			enc, err := media.NewVideoEncoder(encoding(), b)
			if err != nil {
				t.Skip(err)
			}
			dec, err := media.NewVideoDecoder(media.Decoding{Codec: frame.H264}, b)
			if err != nil {
				t.Skip(err)
			}
			pool, err := frame.NewVideoPool(frame.I420, w, h)
			if err != nil {
				t.Fatal(err)
			}
			src := stage.SourceFunc[frame.Video](func(ctx context.Context, out stage.Out[frame.Video]) error {
				for i := range n {
					v := pool.Get()
					planes, _ := v.Planes(ctx)
					numbered(planes, v.Strides, w, h, i)
					pts := time.Duration(i) * frameDur
					v.PTS, v.DTS, v.Duration, v.Keyframe = pts, pts, frameDur, true
					if !out.Send(v) {
						return ctx.Err()
					}
				}
				return nil
			})
			var got []int
			sink := stage.SinkFunc[frame.Video](func(ctx context.Context, in stage.In[frame.Video]) error {
				for v := range in.All() {
					planes, err := v.Planes(ctx)
					if err != nil {
						v.Release()
						return err
					}
					k, ok := readStamp(planes[0], v.Strides[0])
					if !ok {
						k = -1
					}
					got = append(got, k)
					v.Release()
				}
				return nil
			})
			if err := stream.Connect(src, stream.Via(enc, dec), sink).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("decoded %d frames of %d", len(got), n)
			}
			for i, k := range got {
				if k != i {
					t.Errorf("frame %d read as %d", i, k)
				}
			}
		})
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func TestResampler(t *testing.T) {
	noLeaks(t)
	in := h264AAC(t) // mono 48 kHz AAC: F32P frames of 1024 samples
	g := stream.New()
	_, ap := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, false, true)
	raw := stream.AddTransform(g, "", ap, ffmpeg.NewAudioDecoder())
	rs := stream.AddTransform(g, "", raw, &ffmpeg.Resampler{Rate: 44100, Channels: 2, Format: frame.S16, Samples: 960})
	col := &stage.Collect[A]{}
	defer col.Release()
	stream.AddSink(g, "", rs, col)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fs := col.Frames()
	total := 0
	var next time.Duration
	for i, a := range fs {
		if a.Format != frame.S16 || a.Rate != 44100 || a.Channels != 2 || (a.Samples != 960 && i != len(fs)-1) {
			t.Fatalf("frame %d: %v", i, a)
		}
		planes, err := a.Planes(context.Background())
		if err != nil || len(planes) != 1 || len(planes[0]) != a.Samples*4 {
			t.Fatalf("frame %d: planes %d %v", i, len(planes), err)
		}
		if d := a.PTS - next; i > 0 && (d < -time.Microsecond || d > time.Microsecond) {
			t.Fatalf("frame %d: pts %v, want %v", i, a.PTS, next)
		}
		next = a.PTS + a.Duration
		total += a.Samples
	}
	// 2 s at 44.1 kHz, give or take the AAC decoder's last frame.
	if total < 88200-100 || total > 88200+1024 {
		t.Errorf("%d samples, want about 88200", total)
	}
}

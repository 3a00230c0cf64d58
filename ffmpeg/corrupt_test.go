// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// The demux → decode path of the ffmpeg backend over damaged and unusual
// files (the same cases as gst's matrix): each ends with frames or a clear
// error, in bounded time, with every frame released and no goroutine left.
// Frames before the damage come out: the demuxer's and decoder's errors
// wait (stage.AfterDrain) until the decoder has delivered what it holds.
func TestCorruptMediaMatrix(t *testing.T) {
	good := media(t, "matrix.mp4", "320x240", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-movflags", "+faststart")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), data...)
	rng := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		i := len(flipped)/10 + rng.IntN(len(flipped)*9/10)
		flipped[i] ^= byte(1 + rng.IntN(255))
	}
	// A Matroska file whose video codec ID no decoder knows.
	mkv, err := os.ReadFile(media(t, "matrix.mkv", "320x240", "2", "-c:v", "libx264", "-preset", "ultrafast", "-an"))
	if err != nil {
		t.Fatal(err)
	}
	unknown := bytes.Replace(mkv, []byte("V_MPEG4/ISO/AVC"), []byte("V_STREAMER/NONE"), 1)
	if bytes.Equal(unknown, mkv) {
		t.Fatal("no H264 codec ID in the MKV to replace")
	}
	cases := []struct {
		name      string
		path      string
		minFrames int    // frames that must come out (those before the damage)
		wantErr   string // an error is required and must say this; "" when it may or may not come
	}{
		{"good", good, 60, ""},
		{"zero-length", write("empty.mp4", nil), 0, "empty.mp4"},
		{"header-only", write("header.mp4", data[:min(len(data), 2000)]), 0, "header.mp4"},
		{"truncated-10%", write("t10.mp4", data[:len(data)/10]), 2, "t10.mp4"},
		{"truncated-50%", write("t50.mp4", data[:len(data)/2]), 25, "t50.mp4"},
		{"truncated-90%", write("t90.mp4", data[:len(data)*9/10]), 50, ""},
		{"byte-flips", write("flips.mp4", flipped), 0, ""},
		{"wrong-extension", write("really-mp4.mkv", data), 60, ""},
		{"unknown-codec", write("unknown.mkv", unknown), 0, "codec is unknown to FFmpeg"},
		{"video-only", media(t, "matrix-video.mp4", "320x240", "2", "-c:v", "libx264", "-preset", "ultrafast", "-an"), 60, ""},
		{"audio-only", media(t, "matrix-audio.m4a", "320x240", "2", "-vn", "-c:a", "aac"), 0, "no video stream"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t)
			g := stream.New()
			vp, _ := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: c.path}, true, false)
			sink := &stage.Null[V]{}
			stream.AddSink(g, "", stream.AddTransform(g, "", vp, ffmpeg.NewVideoDecoder()), sink)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := g.Run(ctx)
			t.Logf("%d frames in %v, error: %v", sink.Count(), time.Since(start).Round(time.Millisecond), err)
			if ctx.Err() != nil {
				t.Fatalf("hung: %v", err)
			}
			if sink.Count() < int64(c.minFrames) {
				t.Errorf("%d frames, want at least %d", sink.Count(), c.minFrames)
			}
			if c.wantErr != "" && (err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.wantErr))) {
				t.Errorf("error %v, want one saying %q", err, c.wantErr)
			}
		})
	}
}

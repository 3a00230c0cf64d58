// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// makeMedia writes a 2-second file with the ffmpeg CLI.
func makeMedia(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI makes the inputs")
	}
	path := filepath.Join(dir, name)
	base := []string{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "2"}
	if out, err := exec.Command("ffmpeg", append(append(base, args...), path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", name, err, out)
	}
	return path
}

// The decode path of the gst backend (filesrc ! decodebin) over damaged
// and unusual files: each ends with frames or a clear error, in bounded
// time, with every frame released and no goroutine left.
func TestCorruptMediaMatrix(t *testing.T) {
	dir := t.TempDir()
	good := makeMedia(t, dir, "good.mp4", "-c:v", "libx264", "-c:a", "aac", "-movflags", "+faststart")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
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
	cases := []struct {
		name      string
		path      string
		minFrames int  // frames that must come out (those before the damage)
		wantErr   bool // an error is required (else it may or may not come)
	}{
		{"good", good, 60, false},
		{"zero-length", write("empty.mp4", nil), 0, true},
		{"header-only", write("header.mp4", data[:min(len(data), 2000)]), 0, true},
		{"truncated-10%", write("t10.mp4", data[:len(data)/10]), 0, false},
		{"truncated-50%", write("t50.mp4", data[:len(data)/2]), 20, false},
		{"truncated-90%", write("t90.mp4", data[:len(data)*9/10]), 40, false},
		{"byte-flips", write("flips.mp4", flipped), 0, false},
		{"wrong-extension", write("really-mp4.mkv", data), 60, false},
		{"ffv1-in-mkv", makeMedia(t, dir, "ffv1.mkv", "-c:v", "ffv1", "-an"), 60, false}, // gstreamer1.0-libav decodes it
		{"video-only", makeMedia(t, dir, "video.mp4", "-c:v", "libx264", "-an"), 60, false},
		{"audio-only", makeMedia(t, dir, "audio.mp4", "-vn", "-c:a", "aac"), 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t)
			src := gst.NewSource[V]("filesrc location=" + strconv.Quote(c.path) + " ! decodebin ! videoconvert ! video/x-raw,format=I420")
			sink := &stage.Null[V]{}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := stream.Connect(src, nil, sink).Run(ctx)
			t.Logf("%d frames in %v, error: %v", sink.Count(), time.Since(start).Round(time.Millisecond), err)
			if ctx.Err() != nil {
				t.Fatalf("hung: %v", err)
			}
			if sink.Count() < int64(c.minFrames) {
				t.Errorf("%d frames, want at least %d", sink.Count(), c.minFrames)
			}
			if c.wantErr && err == nil {
				t.Errorf("no error")
			}
		})
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package backends_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/spinorml/streamer/conformance"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

// A live (paced) recording stopped gracefully at a random moment holds
// every frame its sources produced, audio ending with video; a cancelled
// one is still a playable file.
func TestStopLiveRecording(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		c := cell{".mp4", frame.H264, frame.AAC}
		t.Run(b.name+"/stop", func(t *testing.T) {
			stagetest.NoLeaks(t)
			path := filepath.Join(t.TempDir(), "live"+c.ext)
			g := stream.New()
			v, a := avSources(g, 0, true)
			ve, _ := b.encode(t, g, c, v, a, path)
			after := time.Duration(500+rand.IntN(1000)) * time.Millisecond
			time.AfterFunc(after, g.Stop)
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			sent, audioSent := v.Stats().Sent, a.Stats().Sent
			if got := ve.Stats().Received; got != sent {
				t.Errorf("the source made %d frames, the muxer took %d", sent, got)
			}
			// The sources stopped together: their streams end within a
			// video frame of each other.
			videoEnd := time.Duration(sent) * time.Second / 30
			audioEnd := time.Duration(audioSent) * 1024 * time.Second / 48000
			if d := audioEnd - videoEnd; d < -time.Second/30 || d > time.Second/30 {
				t.Errorf("video ends at %v, audio at %v: more than a frame apart", videoEnd, audioEnd)
			}
			// The file holds all of both.
			want := expectAV(int(sent))
			want.AudioDuration = audioEnd
			if err := conformance.Check(probe(t, path), want); err != nil {
				t.Errorf("stopped after %v (%d video, %d audio frames made):\n%v", after, sent, audioSent, err)
			}
			t.Logf("stopped after %v: %d frames, all in the file", after, sent)
		})
		t.Run(b.name+"/cancel", func(t *testing.T) {
			stagetest.NoLeaks(t)
			path := filepath.Join(t.TempDir(), "live"+c.ext)
			g := stream.New()
			v, a := avSources(g, 0, true)
			b.encode(t, g, c, v, a, path)
			// Late enough that the encoders have output a packet (x264's
			// lookahead holds about 10 frames), so the file exists.
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1000+rand.IntN(1000))*time.Millisecond)
			defer cancel()
			if err := g.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Run: %v, want the deadline", err)
			}
			// Playable: ffmpeg decodes it to the end without an error.
			if out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("the cancelled file does not decode cleanly: %v\n%s", err, out)
			}
			if f := probe(t, path); len(f.Packets) == 0 {
				t.Errorf("the cancelled file holds no packets")
			}
		})
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// end returns the end of the last frame, or 0.
func end[T interface {
	Span() (time.Duration, time.Duration)
}](fs []T) time.Duration {
	if len(fs) == 0 {
		return 0
	}
	_, e := fs[len(fs)-1].Span()
	return e
}

// avGraph is an unbounded video and audio source, each into a collector
// through a slow stage (a stand-in for an encoder), as a recording is.
func avGraph(live bool, slow time.Duration) (*stream.Graph, *stage.Collect[frame.Video], *stage.Collect[frame.Audio], [2]*stream.Pipe[frame.Video]) {
	g := stream.New()
	v := stream.AddSource(g, "pattern", &stage.Pattern{Width: 64, Height: 48, Live: live})
	a := stream.AddSource(g, "sine", &stage.Sine{Samples: 1024, Live: live})
	delay := stage.Map(func(_ context.Context, v frame.Video) (frame.Video, error) {
		time.Sleep(slow)
		return v, nil
	})
	adelay := stage.Map(func(_ context.Context, a frame.Audio) (frame.Audio, error) {
		time.Sleep(slow / 5)
		return a, nil
	})
	vd := stream.AddTransform(g, "encoder", v, delay)
	ad := stream.AddTransform(g, "audio-encoder", a, adelay)
	vs, as := &stage.Collect[frame.Video]{}, &stage.Collect[frame.Audio]{}
	stream.AddSink(g, "video-out", vd, vs)
	stream.AddSink(g, "audio-out", ad, as)
	return g, vs, as, [2]*stream.Pipe[frame.Video]{v, vd}
}

func TestStopKeepsEveryFrameAndEndsAudioWithVideo(t *testing.T) {
	for _, live := range []bool{true, false} {
		name := "as-fast-as-possible"
		if live {
			name = "live"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				noLeaks(t)
				g, vs, as, pipes := avGraph(live, time.Millisecond)
				defer vs.Release()
				defer as.Release()
				time.AfterFunc(300*time.Millisecond, g.Stop)
				if err := g.Run(context.Background()); err != nil {
					t.Fatalf("Run after Stop: %v, want nil", err)
				}
				src := pipes[0].Stats()
				vf, af := vs.Frames(), as.Frames()
				if len(vf) == 0 || len(af) == 0 {
					t.Fatalf("collected %d video and %d audio frames", len(vf), len(af))
				}
				if uint64(len(vf)) != src.Sent || src.Abandoned != 0 || src.Dropped != 0 {
					t.Errorf("the source sent %d video frames, %d reached the sink (%+v)", src.Sent, len(vf), src)
				}
				for i, v := range vf {
					if want := time.Duration(i) * time.Second / 30; v.PTS != want {
						t.Fatalf("video frame %d: PTS %v, want %v: a frame was lost", i, v.PTS, want)
					}
				}
				ve, ae := end(vf), end(af)
				frameDur := time.Second / 30
				if d := ae - ve; d < -frameDur || d > frameDur {
					t.Errorf("video ends at %v, audio at %v: more than a frame (%v) apart", ve, ae, frameDur)
				}
				t.Logf("%d video frames (end %v), %d audio frames (end %v)", len(vf), ve, len(af), ae)
			})
		})
	}
}

func TestStopBeforeRunSendsAFrameFromEachSource(t *testing.T) {
	noLeaks(t)
	g, vs, as, _ := avGraph(false, 0)
	defer vs.Release()
	defer as.Release()
	g.Stop()
	g.Stop() // a second call does nothing
	if !g.Stopping() {
		t.Fatal("Stopping is false after Stop")
	}
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each source stops a frame after reaching the latest first End.
	vf, af := vs.Frames(), as.Frames()
	if len(vf) == 0 || len(vf) > 3 || len(af) == 0 || len(af) > 4 {
		t.Errorf("%d video and %d audio frames, want a few", len(vf), len(af))
	}
	if d := end(vf) - end(af); d < -time.Second/30 || d > time.Second/30 {
		t.Errorf("video ends at %v, audio at %v", end(vf), end(af))
	}
}

// stalled is a source that sends nothing until cancelled.
type stalled struct{}

func (stalled) Run(ctx context.Context, out stage.Out[frame.Video]) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestStopWithinCancelsAStalledSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		noLeaks(t)
		sink := &stage.Collect[frame.Video]{}
		defer sink.Release()
		g := stream.Connect[frame.Video](stalled{}, nil, sink)
		g.StopWithin(50 * time.Millisecond)
		start := time.Now()
		err := g.Run(context.Background())
		if !errors.Is(err, stream.ErrStopTimeout) {
			t.Fatalf("Run: %v, want ErrStopTimeout", err)
		}
		t.Logf("cancelled after %v", time.Since(start))
	})
}

func TestCancelIsStillImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		noLeaks(t)
		g, vs, as, pipes := avGraph(false, 5*time.Millisecond)
		defer vs.Release()
		defer as.Release()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := g.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run: %v, want the deadline", err)
		}
		// A cancel releases what is queued instead of processing it.
		if s := pipes[0].Stats(); s.Abandoned == 0 {
			t.Logf("no frame abandoned on cancel (%+v)", s)
		}
	})
}

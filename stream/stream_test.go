// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Tests whose sleeps order events (a slow stage, a stop or cancel after a
// while) run in a synctest bubble: time there is fake and moves only when
// every goroutine of the graph waits, so the order does not depend on the
// machine's speed. Two keep real time: TestCancelReturnsPromptly, whose
// endless source into a drop-policy link never waits (fake time would never
// move), and TestMetricsWhileRunning, which reads metrics while stages run
// (in a bubble it would read them only while every stage waits).

// noLeaks fails the test if frame handles made during it are still alive
// when it ends.
func noLeaks(t testing.TB) { t.Helper(); stagetest.NoLeaks(t) }

type V = frame.Video

func pattern(n int) *stage.Pattern { return &stage.Pattern{Width: 64, Height: 48, Frames: n} }

func TestConnectRunsAChainToTheEnd(t *testing.T) {
	noLeaks(t)
	var seen atomic.Int64
	stamp := stage.Map(func(_ context.Context, v V) (V, error) {
		v.Meta = seen.Add(1)
		return v, nil
	})
	sink := &stage.Collect[V]{}
	defer sink.Release()
	g := stream.Connect(pattern(50), stream.Via(stamp, stage.Pass[V]()), sink)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	frames := sink.Frames()
	if len(frames) != 50 {
		t.Fatalf("got %d frames, want 50", len(frames))
	}
	for i, v := range frames {
		if v.Meta != int64(i+1) || v.PTS != time.Duration(i)*time.Second/30 {
			t.Fatalf("frame %d: meta %v pts %v", i, v.Meta, v.PTS)
		}
	}
	ms := g.Metrics()
	if len(ms) != 4 || ms[0].Stage != "pattern" || ms[1].Stage != "map" || ms[2].Stage != "pass" || ms[3].Stage != "collect" {
		t.Fatalf("metrics stages: %v", ms)
	}
	for _, m := range ms {
		if m.State != stream.Done {
			t.Errorf("%s: state %v", m.Stage, m.State)
		}
	}
	if ms[0].Out != 50 || ms[1].In != 50 || ms[3].In != 50 || ms[3].FPS <= 0 {
		t.Errorf("counts: %v", ms)
	}
	if err := g.Run(context.Background()); !errors.Is(err, stream.ErrRan) {
		t.Errorf("second Run: %v, want ErrRan", err)
	}
}

var errBoom = errors.New("boom")

// failAt fails on its k-th frame, releasing it.
func failAt(k int) stage.Transform[V, V] {
	n := 0
	return stage.Map(func(_ context.Context, v V) (V, error) {
		n++
		if n == k {
			v.Release()
			return V{}, fmt.Errorf("frame %d: %w", k, errBoom)
		}
		return v, nil
	})
}

func TestFirstErrorNamesTheStageAndCancelsTheRest(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	src := stream.AddSource(g, "src", pattern(0)) // endless
	mid := stream.AddTransform(g, "fails", src, failAt(20))
	stream.AddSink(g, "sink", mid, &stage.Null[V]{})
	start := time.Now()
	err := g.Run(context.Background())
	var se *stream.StageError
	if !errors.As(err, &se) || se.Stage != "fails" || !errors.Is(err, errBoom) {
		t.Fatalf("Run: %v, want a StageError for \"fails\" wrapping errBoom", err)
	}
	if !strings.Contains(err.Error(), `stage "fails": frame 20: boom`) {
		t.Errorf("message %q", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v", d)
	}
	for _, m := range g.Metrics() {
		want := stream.Done
		if m.Stage == "fails" {
			want = stream.Failed
		}
		if m.State != want {
			t.Errorf("%s: %v, want %v", m.Stage, m.State, want)
		}
	}
}

// slowSink takes d per frame, waiting in a way that notices cancellation.
func slowSink(d time.Duration, got *atomic.Int64) stage.Sink[V] {
	return stage.SinkFunc[V](func(ctx context.Context, in stage.In[V]) error {
		for v := range in.All() {
			v.Release()
			got.Add(1)
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		return nil
	})
}

func TestCancelReturnsPromptlyAndReleasesEverything(t *testing.T) {
	noLeaks(t)
	for i, opts := range [][]stream.LinkOption{nil, {stream.DropOldest()}, {stream.MaxBytes(20000)}} {
		var got atomic.Int64
		g := stream.Connect(pattern(0), stream.Via(stage.Pass[V](), stage.Pass[V]()), slowSink(time.Millisecond, &got), opts...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- g.Run(ctx) }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		t0 := time.Now()
		err := <-done
		// Not a timing assertion on speed: a bound that only a hang fails.
		if d := time.Since(t0); d > time.Second {
			t.Errorf("Run returned %v after cancel", d)
		}
		t.Logf("link options %d: Run returned %v after cancel, sink got %d frames", i, time.Since(t0), got.Load())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v, want context.Canceled", err)
		}
		if got.Load() == 0 {
			t.Errorf("the sink got nothing before the cancel")
		}
	}
}

func TestSinkReturningEarlyStopsUpstream(t *testing.T) {
	noLeaks(t)
	sink := &stage.Collect[V]{Max: 5}
	defer sink.Release()
	g := stream.Connect(pattern(0), stream.Via(stage.Pass[V]()), sink)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.Frames()); n != 5 {
		t.Fatalf("got %d frames, want 5", n)
	}
}

func TestPanicInAStageIsAnError(t *testing.T) {
	noLeaks(t)
	bad := stage.Map(func(_ context.Context, v V) (V, error) {
		v.Release()
		panic("stage bug")
	})
	err := stream.Connect(pattern(10), stream.Via(bad), &stage.Null[V]{}).Run(context.Background())
	var pe *stream.PanicError
	if !errors.As(err, &pe) || pe.Value != "stage bug" || err.Error() != `stream: stage "map": panic: stage bug` {
		t.Fatalf("Run: %q, want a one-line PanicError from map", err)
	}
	// The trace is kept, out of the message: it names the panicking function.
	if !strings.Contains(string(pe.Stack), "goroutine ") || !strings.Contains(string(pe.Stack), "stream_test.TestPanicInAStageIsAnError") {
		t.Errorf("Stack does not show the panic:\n%s", pe.Stack)
	}
}

func TestDropPoliciesCountAndReleaseWhatTheyDrop(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  stream.LinkOption
	}{{"drop-newest", stream.DropNewest()}, {"drop-oldest", stream.DropOldest()}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				noLeaks(t)
				const n = 300
				var got atomic.Int64
				g := stream.New()
				src := stream.AddSource(g, "src", pattern(n), stream.Capacity(2), tc.opt)
				stream.AddSink(g, "slow", src, slowSink(100*time.Microsecond, &got))
				if err := g.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				s := src.Stats()
				if s.Sent != n {
					t.Fatalf("sent %d, want %d", s.Sent, n)
				}
				if s.Dropped == 0 {
					t.Fatalf("nothing dropped with a slow reader: %+v", s)
				}
				if uint64(got.Load())+s.Dropped != n || s.Received != uint64(got.Load()) {
					t.Fatalf("reader got %d, link says received %d dropped %d of %d", got.Load(), s.Received, s.Dropped, n)
				}
				if m := g.Metrics()[0]; m.Dropped != s.Dropped {
					t.Fatalf("metrics dropped %d, link %d", m.Dropped, s.Dropped)
				}
			})
		})
	}
}

func TestByteBoundBlocksTheWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		noLeaks(t)
		frameBytes := int64(64 * 48 * 3 / 2)
		g := stream.New()
		src := stream.AddSource(g, "src", pattern(40), stream.Capacity(100), stream.MaxBytes(3*frameBytes))
		var maxBytes, maxQueued atomic.Int64
		sink := stage.SinkFunc[V](func(ctx context.Context, in stage.In[V]) error {
			for v := range in.All() {
				time.Sleep(200 * time.Microsecond) // let the writer fill the link
				s := src.Stats()
				maxBytes.Store(max(maxBytes.Load(), s.Bytes))
				maxQueued.Store(max(maxQueued.Load(), int64(s.Queued)))
				v.Release()
			}
			return nil
		})
		stream.AddSink(g, "sink", src, sink)
		if err := g.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if maxBytes.Load() > 3*frameBytes || maxQueued.Load() > 3 {
			t.Fatalf("link held %d bytes, %d frames; bound is %d bytes (3 frames)", maxBytes.Load(), maxQueued.Load(), 3*frameBytes)
		}
		if maxQueued.Load() < 2 {
			t.Fatalf("the link never filled (max %d queued): the test proves nothing", maxQueued.Load())
		}
		if s := src.Stats(); s.Received != 40 || s.Dropped != 0 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestTeeAndMerge(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	src := stream.AddSource(g, "", pattern(30))
	branches := stream.AddTee(g, "", src, 3)
	for i := range branches {
		branches[i] = stream.AddTransform(g, "", branches[i], stage.Pass[V]())
	}
	merged := stream.AddMerge(g, "", branches)
	sink := &stage.Collect[V]{}
	defer sink.Release()
	stream.AddSink(g, "", merged, sink)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.Frames()); n != 90 {
		t.Fatalf("got %d frames, want 90", n)
	}
	names := []string{}
	for _, m := range g.Metrics() {
		names = append(names, m.Stage)
	}
	if got := strings.Join(names, ","); got != "pattern,tee,pass,pass#2,pass#3,merge,collect" {
		t.Fatalf("stage names %s", got)
	}
	dot := g.Dot()
	for _, want := range []string{"digraph stream", `"tee\n`, "-> n", "video, cap 8, block"} {
		if !strings.Contains(dot, want) {
			t.Errorf("Dot lacks %q:\n%s", want, dot)
		}
	}
}

// A node with two typed outputs (a demuxer's shape) feeding a node with
// two typed inputs (a muxer's shape) that interleaves by PTS.
func TestMultiPortNodesInterleaveByPTS(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	video := stream.NewPipe[frame.Video](g)
	audio := stream.NewPipe[frame.Audio](g)
	g.Add("demux", func(ctx context.Context) error {
		// Run the two sources side by side, as a demuxer would.
		v := &stage.Pattern{Width: 32, Height: 32, Frames: 30}
		a := &stage.Sine{Samples: 1600, Frames: 30} // 1600 samples at 48 kHz = 1/30 s
		errc := make(chan error, 2)
		go func() { errc <- v.Run(ctx, video.Out()) }()
		go func() { errc <- a.Run(ctx, audio.Out()) }()
		return errors.Join(<-errc, <-errc)
	}).Writes(video, audio)
	var order []string
	g.Add("mux", func(ctx context.Context) error {
		vin, ain := video.In(), audio.In()
		v, vok := vin.Recv()
		a, aok := ain.Recv()
		for vok || aok {
			if vok && (!aok || v.PTS <= a.PTS) {
				order = append(order, "v")
				v.Release()
				v, vok = vin.Recv()
			} else {
				order = append(order, "a")
				a.Release()
				a, aok = ain.Recv()
			}
		}
		return nil
	}).Reads(video, audio)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ""); got != strings.Repeat("va", 30) {
		t.Fatalf("interleaving %s", got)
	}
}

func TestGraphChecksWiring(t *testing.T) {
	g := stream.New()
	stream.AddSource(g, "lonely", pattern(1))
	err := g.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), `out of "lonely" has no reader`) {
		t.Fatalf("Run: %v", err)
	}
	g = stream.New()
	p := stream.AddSource(g, "src", pattern(1))
	stream.AddSink(g, "a", p, &stage.Null[V]{})
	stream.AddSink(g, "b", p, &stage.Null[V]{})
	if err := g.Run(context.Background()); err == nil || !strings.Contains(err.Error(), `read by both "a" and "b"`) {
		t.Fatalf("Run: %v", err)
	}
	if err := stream.New().Run(context.Background()); err == nil {
		t.Fatal("an empty graph ran")
	}
}

func TestMetricsWhileRunning(t *testing.T) {
	noLeaks(t)
	var got atomic.Int64
	g := stream.Connect(pattern(200), nil, slowSink(100*time.Microsecond, &got))
	done := make(chan error)
	go func() { done <- g.Run(context.Background()) }()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if m := g.Metrics(); m[1].In != 200 || m[0].Out != 200 {
				t.Fatalf("final metrics %v", m)
			}
			return
		default:
			for _, m := range g.Metrics() {
				_ = m.String()
			}
			_ = g.Dot()
			time.Sleep(time.Millisecond)
		}
	}
}

func TestHopsAllocateNothingPerFrame(t *testing.T) {
	noLeaks(t)
	// One frame sent over and over, a reference per send: the source
	// allocates nothing, so what is counted is the hops' own, in every
	// build (pools allocate under -race: see frame.ReuseHandles).
	pool, _ := frame.NewVideoPool(frame.I420, 16, 16)
	one := pool.Get()
	defer one.Release()
	run := func(n int) {
		src := stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
			for range n {
				one.Retain()
				if !out.Send(one) {
					return ctx.Err()
				}
			}
			return nil
		})
		via := stream.Via(stage.Pass[V](), stage.Pass[V](), stage.Pass[V](), stage.Pass[V]())
		if err := stream.Connect(src, via, &stage.Null[V]{}).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	allocs := func(n int) uint64 {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		run(n)
		runtime.ReadMemStats(&m1)
		return m1.Mallocs - m0.Mallocs
	}
	run(100) // warm the pool
	small, large := allocs(1000), allocs(11000)
	// The graph itself allocates a fixed amount; frames add nothing.
	perFrame := float64(large-min(large, small)) / 10000
	t.Logf("graph of 1000 frames: %d allocs, of 11000: %d; %.4f per frame", small, large, perFrame)
	if perFrame > 0.01 {
		t.Fatalf("%.4f allocations per frame through 4 hops", perFrame)
	}
}

// A live source between frames waits only on ctx: a failing stage must
// cancel the run before draining its input, or the drain waits for ever.
func TestFailureStopsASourceThatOnlyWaitsOnCtx(t *testing.T) {
	noLeaks(t)
	idle := stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
		<-ctx.Done()
		return ctx.Err()
	})
	fail := stage.SinkFunc[V](func(context.Context, stage.In[V]) error { return errBoom })
	done := make(chan error, 1)
	go func() { done <- stream.Connect(idle, nil, fail).Run(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, errBoom) {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run hung: the failing sink drained before cancelling")
	}
}

// A slow sink under the Block policy holds the source back: with 1080p
// frames (3 MB each), the heap stays within what the links and stages can
// hold, however many frames pass.
func TestBackpressureBoundsMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		noLeaks(t)
		const frameBytes = 1920 * 1080 * 3 / 2
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak uint64
		slow := stage.SinkFunc[V](func(ctx context.Context, in stage.In[V]) error {
			n := 0
			for v := range in.All() {
				v.Release()
				if n++; n%10 == 0 {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
				time.Sleep(2 * time.Millisecond)
			}
			return nil
		})
		src := &stage.Pattern{Width: 1920, Height: 1080, Frames: 200}
		if err := stream.Connect(src, stream.Via(stage.Pass[V](), stage.Pass[V]()), slow, stream.Capacity(2)).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		// In flight at most: 3 links x 2 frames, one frame in each of 4 stages,
		// and the pool's spares; 200 frames would be 622 MB.
		grown := int64(peak) - int64(base.HeapInuse)
		t.Logf("heap grew by %.1f MB (%.1f frames) while 200 frames of 1080p passed", float64(grown)/1e6, float64(grown)/frameBytes)
		if grown > 40*frameBytes { // room for garbage between GCs (sync.Pool drops buffers under -race)
			t.Fatalf("heap grew by %d MB: backpressure does not bound memory", grown>>20)
		}
	})
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/streamtest"
)

// linear: pattern → map → pass → null.
func linearGraph(pos int, f stagetest.Fault) (*stream.Graph, string, bool) {
	src := pattern(0)
	via := []stage.Transform[V, V]{stage.Map(func(_ context.Context, v V) (V, error) { return v, nil }), stage.Pass[V]()}
	return streamtest.Linear[V](src, via, &stage.Null[V]{}, []string{"pattern", "map", "pass", "null"}, pos, f)
}

// fan: pattern → tee → (pass, pass#2) → merge → null.
func fanGraph(pos int, f stagetest.Fault) (*stream.Graph, string, bool) {
	var src stage.Source[V] = pattern(0)
	a, b := stage.Pass[V](), stage.Pass[V]()
	var sink stage.Sink[V] = &stage.Null[V]{}
	names := []string{"pattern", "pass", "pass#2", "null"}
	switch pos {
	case 0:
		src = stagetest.Source(src, f)
	case 1:
		a = stagetest.Transform(a, f)
	case 2:
		b = stagetest.Transform(b, f)
	case 3:
		sink = stagetest.Sink(sink, f)
	default:
		return nil, "", false
	}
	g := stream.New()
	branches := stream.AddTee(g, "tee", stream.AddSource(g, "", src), 2)
	merged := stream.AddMerge(g, "merge", []*stream.Pipe[V]{
		stream.AddTransform(g, "", branches[0], a), stream.AddTransform(g, "", branches[1], b)})
	stream.AddSink(g, "", merged, sink)
	return g, names[pos], true
}

// Every position of every graph, failing and cancelled at frame k: Run
// returns the injected error naming the stage (or context.Canceled),
// promptly, with every frame released and no goroutine left (TestMain).
func TestFaultsAtEveryPosition(t *testing.T) {
	for name, build := range map[string]streamtest.Build{"linear": linearGraph, "tee-merge": fanGraph} {
		t.Run(name, func(t *testing.T) { streamtest.FaultMatrix(t, build, []int{1, 5}, time.Second) })
	}
}

// A node with two inputs that fails drains both at once. Here the reader
// of a diamond (tee → a, b → join) reads only a's side and then fails: a
// waits in Recv for the tee, the tee waits to hand b a frame, and b waits
// to give join one. Drained one after the other, join's inputs wait on each
// other and Run never returns (seen under load in the tee-merge matrix).
func TestFailingJoinDrainsInputsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		noLeaks(t)
		g := stream.New()
		one := stream.Capacity(1)
		branches := stream.AddTee(g, "tee", stream.AddSource(g, "", pattern(0), one), 2, one)
		a := stream.AddTransform(g, "a", branches[0], stage.Pass[V](), one)
		b := stream.AddTransform(g, "b", branches[1], stage.Pass[V](), one)
		boom := errors.New("join gave up")
		g.Add("join", func(ctx context.Context) error {
			in := a.In()
			for range 3 {
				v, ok := in.Recv()
				if !ok {
					return errors.New("a ended early")
				}
				v.Release()
			}
			time.Sleep(100 * time.Millisecond) // fake time: it ends once the tee and b stall
			return boom
		}).Reads(a, b)
		done := make(chan error, 1)
		go func() { done <- g.Run(context.Background()) }()
		select {
		case err := <-done:
			if !errors.Is(err, boom) {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return: the join's inputs wait on each other")
		}
	})
}

// A source failing with stage.AfterDrain ends its stream instead of the
// run: a transform holding frames until the end of stream still delivers
// them, and Run then returns the source's error, naming it.
func TestAfterDrainDeliversWhatDownstreamHolds(t *testing.T) {
	noLeaks(t)
	cause := errors.New("input cut short")
	g := stream.New()
	src := stream.AddSource(g, "damaged", stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
		p := pattern(5)
		if err := p.Run(ctx, out); err != nil {
			return err
		}
		return stage.AfterDrain(cause)
	}))
	held := stream.AddTransform(g, "hold", src, stage.TransformFunc[V, V](func(ctx context.Context, in stage.In[V], out stage.Out[V]) error {
		var vs []V
		for v := range in.All() {
			vs = append(vs, v)
		}
		for i, v := range vs {
			if !out.Send(v) {
				for _, w := range vs[i+1:] {
					w.Release()
				}
				return ctx.Err()
			}
		}
		return ctx.Err()
	}))
	sink := &stage.Null[V]{}
	stream.AddSink(g, "", held, sink)
	err := g.Run(context.Background())
	var se *stream.StageError
	if !errors.As(err, &se) || se.Stage != "damaged" || !errors.Is(err, cause) {
		t.Fatalf("Run: %v, want the source's error naming it", err)
	}
	if sink.Count() != 5 {
		t.Errorf("%d frames reached the sink, want the 5 sent before the error", sink.Count())
	}
}

// A live branch that never ends does not keep Run from reporting an
// AfterDrain error: once the stages after the failed one have finished,
// the rest of the graph is cancelled.
func TestAfterDrainEndsLiveBranches(t *testing.T) {
	noLeaks(t)
	cause := errors.New("file cut short")
	g := stream.New()
	file := stream.AddSource(g, "file", stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
		if err := pattern(3).Run(ctx, out); err != nil {
			return err
		}
		return stage.AfterDrain(cause)
	}))
	fileSink := &stage.Null[V]{}
	stream.AddSink(g, "file-sink", file, fileSink)
	live := stream.AddSource(g, "live", &stage.Pattern{Width: 64, Height: 48, Live: true})
	stream.AddSink(g, "live-sink", live, &stage.Null[V]{})
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, cause) {
			t.Fatalf("Run: %v, want the file's error", err)
		}
		if fileSink.Count() != 3 {
			t.Errorf("%d frames from the file, want 3", fileSink.Count())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return: the live branch kept it going")
	}
}

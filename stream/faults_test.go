// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

// faultGraph builds a graph with the fault injected into the stage at
// position pos (its name returned), or reports false when pos is past the
// last stage that can take one.
type faultGraph func(pos int, f stagetest.Fault) (g *stream.Graph, stage string, ok bool)

// linear: pattern → map → pass → null.
func linearGraph(pos int, f stagetest.Fault) (*stream.Graph, string, bool) {
	var src stage.Source[V] = pattern(0)
	var via = []stage.Transform[V, V]{stage.Map(func(_ context.Context, v V) (V, error) { return v, nil }), stage.Pass[V]()}
	var sink stage.Sink[V] = &stage.Null[V]{}
	names := []string{"pattern", "map", "pass", "null"}
	switch {
	case pos == 0:
		src = stagetest.Source(src, f)
	case pos <= len(via):
		via[pos-1] = stagetest.Transform(via[pos-1], f)
	case pos == len(via)+1:
		sink = stagetest.Sink(sink, f)
	default:
		return nil, "", false
	}
	return stream.Connect(src, via, sink), names[pos], true
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
	graphs := map[string]faultGraph{"linear": linearGraph, "tee-merge": fanGraph}
	var worst time.Duration
	tried := 0
	for gname, build := range graphs {
		for pos := 0; ; pos++ {
			if _, _, ok := build(pos, stagetest.Fault{}); !ok {
				break
			}
			for _, cancel := range []bool{false, true} {
				for _, k := range []int{1, 5} {
					t.Run(fmt.Sprintf("%s/%d/cancel=%v/k=%d", gname, pos, cancel, k), func(t *testing.T) {
						noLeaks(t)
						ctx, stop := context.WithCancel(context.Background())
						defer stop()
						var hitAt atomic.Int64
						f := stagetest.Fault{K: k, OnHit: func() { hitAt.Store(time.Now().UnixNano()) }}
						if cancel {
							f.Cancel = stop
						}
						g, name, _ := build(pos, f)
						err := g.Run(ctx)
						took := time.Since(time.Unix(0, hitAt.Load()))
						if hitAt.Load() == 0 {
							t.Fatalf("the fault never happened: %v", err)
						}
						if took > worst {
							worst = took
						}
						// A bound only a hang breaks; the figure is logged.
						if took > time.Second {
							t.Errorf("Run returned %v after the fault", took)
						}
						var se *stream.StageError
						switch {
						case cancel && !errors.Is(err, context.Canceled):
							t.Errorf("cancelled: Run returned %v", err)
						case !cancel && (!errors.As(err, &se) || se.Stage != name || !errors.Is(err, stagetest.ErrInjected)):
							t.Errorf("failed %s: Run returned %v", name, err)
						}
						tried++
					})
				}
			}
		}
	}
	t.Logf("%d graph×position×fault runs; slowest return after a fault: %v", tried, worst)
}

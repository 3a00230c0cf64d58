// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package streamtest runs graphs of any backend through the fault matrix:
// every stage position, failing or cancelling at chosen frames (with the
// wrappers of stage/stagetest), checking what Run returns, how fast, and
// that no frame handle is left.
package streamtest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

// Build makes a graph with the fault f injected at position pos and returns
// the graph, the name of the faulted stage, and false when pos is past the
// last position.
type Build func(pos int, f stagetest.Fault) (g *stream.Graph, stage string, ok bool)

// FaultMatrix runs the graph of build at every position, failing and
// cancelling at each frame of ks, and checks that Run returns the injected
// error as a *stream.StageError naming the stage (or context.Canceled),
// within limit of the fault, with every frame released. It logs the number
// of runs and the slowest return.
func FaultMatrix(t *testing.T, build Build, ks []int, limit time.Duration) {
	t.Helper()
	var worst time.Duration
	runs := 0
	for pos := 0; ; pos++ {
		if _, _, ok := build(pos, stagetest.Fault{}); !ok {
			break
		}
		for _, cancel := range []bool{false, true} {
			for _, k := range ks {
				t.Run(fmt.Sprintf("%d/cancel=%v/k=%d", pos, cancel, k), func(t *testing.T) {
					frametest.NoLeaks(t)
					ctx, stop := context.WithCancel(context.Background())
					defer stop()
					var hitAt atomic.Int64
					f := stagetest.Fault{K: k, OnHit: func() { hitAt.Store(time.Now().UnixNano()) }}
					if cancel {
						f.Cancel = stop
					}
					g, name, _ := build(pos, f)
					err := g.Run(ctx)
					if hitAt.Load() == 0 {
						t.Fatalf("the fault never happened: %v", err)
					}
					took := time.Since(time.Unix(0, hitAt.Load()))
					worst = max(worst, took)
					runs++
					if took > limit {
						t.Errorf("Run returned %v after the fault", took)
					}
					var se *stream.StageError
					if cancel && !errors.Is(err, context.Canceled) {
						t.Errorf("cancelled: Run returned %v", err)
					}
					if !cancel && (!errors.As(err, &se) || se.Stage != name || !errors.Is(err, stagetest.ErrInjected)) {
						t.Errorf("failing %s: Run returned %v", name, err)
					}
				})
			}
		}
	}
	t.Logf("%d graph x position x fault runs; slowest return after a fault: %v", runs, worst)
}

// Linear builds the chain src → via... → sink for FaultMatrix, with the
// stage at pos (0 for src, len(via)+1 for sink) wrapped to meet fault f,
// and each stage named by names (one per stage, in order). It reports
// false for a pos past the sink.
func Linear[T any](src stage.Source[T], via []stage.Transform[T, T], sink stage.Sink[T], names []string, pos int, f stagetest.Fault) (*stream.Graph, string, bool) {
	via = append([]stage.Transform[T, T](nil), via...)
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
	g := stream.New()
	p := stream.AddSource(g, names[0], src)
	for i, t := range via {
		p = stream.AddTransform(g, names[i+1], p, t)
	}
	stream.AddSink(g, names[len(via)+1], p, sink)
	return g, names[pos], true
}

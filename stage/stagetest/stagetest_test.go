// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stagetest_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type V = frame.Video

// Each wrapper fails at frame K (no more than K-1 frames get through: the
// run's cancel may release some in flight), keeps the wrapped stage's name,
// and leaks nothing.
func TestWrappersFailAtFrameK(t *testing.T) {
	const k = 4
	for name, wrap := range map[string]func(f stagetest.Fault) (stage.Source[V], stage.Transform[V, V], stage.Sink[V]){
		"source": func(f stagetest.Fault) (stage.Source[V], stage.Transform[V, V], stage.Sink[V]) {
			return stagetest.Source[V](&stage.Pattern{Width: 8, Height: 8, Frames: 10}, f), stage.Pass[V](), nil
		},
		"transform": func(f stagetest.Fault) (stage.Source[V], stage.Transform[V, V], stage.Sink[V]) {
			return &stage.Pattern{Width: 8, Height: 8, Frames: 10}, stagetest.Transform(stage.Pass[V](), f), nil
		},
		"sink": func(f stagetest.Fault) (stage.Source[V], stage.Transform[V, V], stage.Sink[V]) {
			return &stage.Pattern{Width: 8, Height: 8, Frames: 10}, stage.Pass[V](), stagetest.Sink[V](&stage.Null[V]{}, f)
		},
	} {
		t.Run(name, func(t *testing.T) {
			stagetest.NoLeaks(t)
			src, tr, sink := wrap(stagetest.Fault{K: k})
			got := &stage.Collect[V]{}
			defer got.Release()
			if sink == nil {
				sink = got
			}
			err := stream.Connect(src, stream.Via(tr), sink).Run(context.Background())
			var se *stream.StageError
			if !errors.Is(err, stagetest.ErrInjected) || !errors.As(err, &se) || se.Stage == "" {
				t.Fatalf("Run: %v", err)
			}
			if len(got.Frames()) > k-1 {
				t.Fatalf("%d frames got through, want at most %d", len(got.Frames()), k-1)
			}
		})
	}
}

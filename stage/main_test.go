// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The tests of this package drive stages by hand, as the runner of package
// stream does (which they cannot import): every link is started, its writer
// calls CloseSend when its Run returns, and its reader calls Drain when its
// Run returns, so no sender blocks for ever and every abandoned frame is
// released. Tests do not run in parallel: frame.Live is process-wide.

type V = frame.Video
type A = frame.Audio

// stageTimeout bounds how long a hand-driven stage may take before a test
// gives up on it; it only guards against hangs, it measures nothing.
const stageTimeout = 20 * time.Second

// noLeaks fails the test if frame handles made during it are still alive
// when it ends.
func noLeaks(t *testing.T) { t.Helper(); frametest.NoLeaks(t) }

// newLink returns a started link.
func newLink[T frame.Frame](cfg LinkConfig) *Link[T] {
	l := NewLink[T](cfg)
	l.Start()
	return l
}

// goSource runs src writing to out in a goroutine and closes out when it
// returns; the error arrives on the channel.
func goSource[T frame.Frame](ctx context.Context, src Source[T], out *Link[T]) <-chan error {
	errc := make(chan error, 1)
	go func() {
		err := src.Run(ctx, out.Out())
		out.CloseSend()
		errc <- err
	}()
	return errc
}

// goTransform runs tr between in and out in a goroutine; when it returns,
// out is closed and in is drained.
func goTransform[I, O frame.Frame](ctx context.Context, tr Transform[I, O], in *Link[I], out *Link[O]) <-chan error {
	errc := make(chan error, 1)
	go func() {
		err := tr.Run(ctx, in.In(), out.Out())
		out.CloseSend()
		in.Drain()
		errc <- err
	}()
	return errc
}

// goSink runs sink reading in in a goroutine and drains in when it returns.
func goSink[T frame.Frame](ctx context.Context, sink Sink[T], in *Link[T]) <-chan error {
	errc := make(chan error, 1)
	go func() {
		err := sink.Run(ctx, in.In())
		in.Drain()
		errc <- err
	}()
	return errc
}

// wait returns the error of a stage started by goSource, goTransform or
// goSink, failing the test if it does not return in time.
func wait(t *testing.T, what string, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(stageTimeout):
		t.Fatalf("%s did not return within %v", what, stageTimeout)
		return nil
	}
}

// sliceSource sends frames in order; when a send is refused it releases
// the frames it has not sent.
func sliceSource[T frame.Frame](frames []T) Source[T] {
	return SourceFunc[T](func(ctx context.Context, out Out[T]) error {
		for i, v := range frames {
			if !out.Send(v) {
				for _, r := range frames[i+1:] {
					r.Release()
				}
				return ctx.Err()
			}
		}
		return nil
	})
}

// runSource runs src into a Collect sink and returns the frames it
// collected (owned by the caller) and src's error.
func runSource[T frame.Frame](t *testing.T, src Source[T], cfg LinkConfig) ([]T, error) {
	t.Helper()
	ctx := context.Background()
	l := newLink[T](cfg)
	sink := &Collect[T]{}
	srcErr := goSource(ctx, src, l)
	sinkErr := goSink(ctx, sink, l)
	err := wait(t, NameOf(src), srcErr)
	if e := wait(t, "collect", sinkErr); e != nil {
		t.Errorf("collect: %v", e)
	}
	return sink.Frames(), err
}

// runTransform feeds inputs (whose references it takes) through tr into a
// Collect sink and returns the frames collected (owned by the caller) and
// tr's error.
func runTransform[I, O frame.Frame](t *testing.T, tr Transform[I, O], inputs []I) ([]O, error) {
	t.Helper()
	ctx := context.Background()
	a, b := newLink[I](LinkConfig{Capacity: 4}), newLink[O](LinkConfig{Capacity: 4})
	sink := &Collect[O]{}
	srcErr := goSource(ctx, sliceSource(inputs), a)
	trErr := goTransform(ctx, tr, a, b)
	sinkErr := goSink(ctx, sink, b)
	err := wait(t, NameOf(tr), trErr)
	if e := wait(t, "source", srcErr); e != nil {
		t.Errorf("source: %v", e)
	}
	if e := wait(t, "collect", sinkErr); e != nil {
		t.Errorf("collect: %v", e)
	}
	return sink.Frames(), err
}

// runSink feeds inputs (whose references it takes) to sink and returns its
// error.
func runSink[T frame.Frame](t *testing.T, sink Sink[T], inputs []T) error {
	t.Helper()
	ctx := context.Background()
	l := newLink[T](LinkConfig{Capacity: 4})
	srcErr := goSource(ctx, sliceSource(inputs), l)
	err := wait(t, NameOf(sink), goSink(ctx, sink, l))
	if e := wait(t, "source", srcErr); e != nil {
		t.Errorf("source: %v", e)
	}
	return err
}

// release releases every frame.
func release[T frame.Frame](frames []T) {
	for _, v := range frames {
		v.Release()
	}
}

// testVideo returns n small raw frames at 30/1 whose Meta is their index.
func testVideo(n int) []V {
	out := make([]V, n)
	for i := range out {
		out[i] = V{
			Data:   frame.NewBytes(make([]byte, 8), make([]byte, 2), make([]byte, 2)),
			Format: frame.I420, Width: 4, Height: 2, Strides: [4]int{4, 2, 2},
			PTS: frameTime(int64(i), frame.Rational{Num: 30, Den: 1}), Keyframe: true, Meta: i,
		}
		out[i].DTS = out[i].PTS
		out[i].Duration = frameTime(int64(i+1), frame.Rational{Num: 30, Den: 1}) - out[i].PTS
	}
	return out
}

// metas returns the Meta of every frame as an int.
func metas(frames []V) []int {
	out := make([]int, len(frames))
	for i, v := range frames {
		out[i], _ = v.Meta.(int)
	}
	return out
}

// seq returns 0, 1, ..., n-1.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
)

var errBoom = errors.New("boom")

func TestNameOf(t *testing.T) {
	for _, c := range []struct {
		s    any
		want string
	}{
		{Pass[V](), "pass"},
		{Map(func(_ context.Context, v V) (V, error) { return v, nil }), "map"},
		{Filter(func(V) bool { return true }), "filter"},
		{Tee[V]{}, "tee"},
		{Merge[V]{}, "merge"},
		{&Null[V]{}, "null"},
		{&Collect[V]{}, "collect"},
		{&Rate{}, "rate"},
		{&Pattern{}, "pattern"},
		{&Sine{}, "sine"},
		{&Y4MReader{}, "y4m-reader"},
		{&Y4MWriter{}, "y4m-writer"},
		{42, "int"},
	} {
		if got := NameOf(c.s); got != c.want {
			t.Errorf("NameOf(%T) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestPassForwardsEveryFrameInOrder(t *testing.T) {
	noLeaks(t)
	got, err := runTransform(t, Pass[V](), testVideo(20))
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := seq(20); !slices.Equal(metas(got), want) {
		t.Fatalf("got frames %v, want %v", metas(got), want)
	}
}

func TestMapChangesEveryFrame(t *testing.T) {
	noLeaks(t)
	shift := Map(func(_ context.Context, v V) (V, error) {
		v.PTS += time.Second
		return v, nil
	})
	in := testVideo(10)
	want := make([]time.Duration, len(in))
	for i, v := range in {
		want[i] = v.PTS + time.Second
	}
	got, err := runTransform(t, shift, in)
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i, v := range got {
		if v.PTS != want[i] || v.Meta != i {
			t.Errorf("frame %d: pts %v meta %v, want pts %v meta %d", i, v.PTS, v.Meta, want[i], i)
		}
	}
}

func TestMapToAnotherFrameType(t *testing.T) {
	noLeaks(t)
	// Video in, audio out: fn releases the frame it is given and makes a new one.
	toAudio := Map(func(_ context.Context, v V) (A, error) {
		a := A{Data: frame.NewBytes(make([]byte, 4)), Format: frame.S16, Rate: 8000, Channels: 1, Samples: 2, PTS: v.PTS, Meta: v.Meta}
		v.Release()
		return a, nil
	})
	got, err := runTransform(t, toAudio, testVideo(5))
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d frames, want 5", len(got))
	}
	for i, a := range got {
		if a.Meta != i || a.Format != frame.S16 || a.Size() != 4 {
			t.Errorf("frame %d: %v meta %v size %d", i, a, a.Meta, a.Size())
		}
	}
}

func TestMapErrorEndsTheStageAndLosesNothing(t *testing.T) {
	noLeaks(t)
	fail := Map(func(_ context.Context, v V) (V, error) {
		if v.Meta == 3 {
			v.Release()
			return V{}, errBoom
		}
		return v, nil
	})
	got, err := runTransform(t, fail, testVideo(50))
	defer release(got)
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want %v", err, errBoom)
	}
	if want := []int{0, 1, 2}; !slices.Equal(metas(got), want) {
		t.Fatalf("got frames %v, want %v", metas(got), want)
	}
}

func TestFilterReleasesWhatItDrops(t *testing.T) {
	noLeaks(t)
	live := frame.Live()
	even := Filter(func(v V) bool { return v.Meta.(int)%2 == 0 })
	got, err := runTransform(t, even, testVideo(21))
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20}; !slices.Equal(metas(got), want) {
		t.Fatalf("got frames %v, want %v", metas(got), want)
	}
	// Only the frames kept are alive: the 10 dropped were released.
	if n := frame.Live() - live; n != int64(len(got)) {
		t.Fatalf("%d handles alive while the sink holds %d frames", n, len(got))
	}
}

func TestNullReleasesAndCounts(t *testing.T) {
	noLeaks(t)
	null := &Null[V]{}
	if err := runSink(t, null, testVideo(17)); err != nil {
		t.Fatal(err)
	}
	if null.Count() != 17 {
		t.Fatalf("Count = %d, want 17", null.Count())
	}
}

func TestCollectMaxStopsUpstream(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	l := newLink[V](LinkConfig{Capacity: 2})
	sink := &Collect[V]{Max: 5}
	// An endless source: it stops only because the sink left.
	srcErr := goSource(ctx, &Pattern{Width: 16, Height: 16}, l)
	if err := wait(t, "collect", goSink(ctx, sink, l)); err != nil {
		t.Fatalf("collect: %v", err)
	}
	if err := wait(t, "pattern", srcErr); err != nil {
		t.Fatalf("pattern after the sink left: %v, want nil", err)
	}
	frames := sink.Frames()
	if len(frames) != 5 {
		t.Fatalf("collected %d frames, want 5", len(frames))
	}
	for i, v := range frames {
		if want := frameTime(int64(i), frame.Rational{Num: 30, Den: 1}); v.PTS != want {
			t.Errorf("frame %d: pts %v, want %v", i, v.PTS, want)
		}
	}
	st := l.Stats()
	if st.Received != 5 || st.Abandoned != st.Sent-5 {
		t.Errorf("stats %+v: want 5 received and the rest abandoned", st)
	}
	sink.Release()
	if len(sink.Frames()) != 0 {
		t.Errorf("frames left after Release")
	}
}

// runTee runs a Tee from a source of n test frames to one reader per
// entry of stopAfter: a reader with stopAfter < 0 reads to the end, others
// return after that many frames (their link is then drained). It returns
// the frames of each reader (owned by the caller).
func runTee(t *testing.T, n int, stopAfter []int) [][]V {
	t.Helper()
	ctx := context.Background()
	in := newLink[V](LinkConfig{Capacity: 2})
	outs := make([]*Link[V], len(stopAfter))
	ports := make([]Out[V], len(stopAfter))
	for i := range outs {
		outs[i] = newLink[V](LinkConfig{Capacity: 2})
		ports[i] = outs[i].Out()
	}
	srcErr := goSource(ctx, sliceSource(testVideo(n)), in)
	teeErr := make(chan error, 1)
	go func() {
		err := Tee[V]{}.Run(ctx, in.In(), ports)
		for _, o := range outs {
			o.CloseSend()
		}
		in.Drain()
		teeErr <- err
	}()
	got := make([][]V, len(stopAfter))
	sinks := make([]<-chan error, len(stopAfter))
	for i, stop := range stopAfter {
		sinks[i] = goSink(ctx, SinkFunc[V](func(_ context.Context, in In[V]) error {
			for v := range in.All() {
				got[i] = append(got[i], v)
				if len(got[i]) == stop {
					return nil
				}
			}
			return nil
		}), outs[i])
	}
	for i, s := range sinks {
		if err := wait(t, "branch", s); err != nil {
			t.Errorf("branch %d: %v", i, err)
		}
	}
	if err := wait(t, "tee", teeErr); err != nil {
		t.Errorf("tee: %v", err)
	}
	if err := wait(t, "source", srcErr); err != nil {
		t.Errorf("source: %v", err)
	}
	return got
}

func TestTeeEveryBranchGetsEveryFrame(t *testing.T) {
	noLeaks(t)
	got := runTee(t, 30, []int{-1, -1, -1})
	want := seq(30)
	for i, frames := range got {
		if !slices.Equal(metas(frames), want) {
			t.Errorf("branch %d got %v, want %v", i, metas(frames), want)
		}
	}
	// Each branch owns one reference: releasing all of them frees every frame.
	for _, frames := range got {
		release(frames)
	}
}

func TestTeeBranchThatStopsDoesNotStopTheOthers(t *testing.T) {
	noLeaks(t)
	want := seq(40)
	got := runTee(t, 40, []int{-1, 3, -1})
	for _, i := range []int{0, 2} {
		if !slices.Equal(metas(got[i]), want) {
			t.Errorf("branch %d got %v, want every frame", i, metas(got[i]))
		}
	}
	if !slices.Equal(metas(got[1]), []int{0, 1, 2}) {
		t.Errorf("stopped branch got %v, want [0 1 2]", metas(got[1]))
	}
	for _, frames := range got {
		release(frames)
	}
}

func TestTeeEndsWhenEveryBranchStopped(t *testing.T) {
	noLeaks(t)
	// An endless source: the tee must end once both branches have left.
	ctx := context.Background()
	in := newLink[V](LinkConfig{Capacity: 2})
	a, b := newLink[V](LinkConfig{Capacity: 2}), newLink[V](LinkConfig{Capacity: 2})
	srcErr := goSource(ctx, &Pattern{Width: 8, Height: 8}, in)
	teeErr := make(chan error, 1)
	go func() {
		err := Tee[V]{}.Run(ctx, in.In(), []Out[V]{a.Out(), b.Out()})
		a.CloseSend()
		b.CloseSend()
		in.Drain()
		teeErr <- err
	}()
	ca, cb := &Collect[V]{Max: 2}, &Collect[V]{Max: 7}
	ea, eb := goSink(ctx, ca, a), goSink(ctx, cb, b)
	for _, e := range []<-chan error{ea, eb, teeErr, srcErr} {
		if err := wait(t, "stage", e); err != nil {
			t.Errorf("%v", err)
		}
	}
	if len(ca.Frames()) != 2 || len(cb.Frames()) != 7 {
		t.Errorf("branches got %d and %d frames, want 2 and 7", len(ca.Frames()), len(cb.Frames()))
	}
	ca.Release()
	cb.Release()
}

func TestMergeForwardsEveryInput(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	const inputs, each = 3, 25
	ins := make([]*Link[V], inputs)
	ports := make([]In[V], inputs)
	var srcs []<-chan error
	for i := range ins {
		ins[i] = newLink[V](LinkConfig{Capacity: 2})
		ports[i] = ins[i].In()
		vs := testVideo(each)
		for j := range vs {
			vs[j].Meta = i*100 + j
		}
		srcs = append(srcs, goSource(ctx, sliceSource(vs), ins[i]))
	}
	out := newLink[V](LinkConfig{Capacity: 2})
	mergeErr := make(chan error, 1)
	go func() {
		err := Merge[V]{}.Run(ctx, ports, out.Out())
		out.CloseSend()
		for _, l := range ins {
			l.Drain()
		}
		mergeErr <- err
	}()
	sink := &Collect[V]{}
	sinkErr := goSink(ctx, sink, out)
	for _, e := range append(srcs, mergeErr, sinkErr) {
		if err := wait(t, "stage", e); err != nil {
			t.Errorf("%v", err)
		}
	}
	frames := sink.Frames()
	defer sink.Release()
	got := metas(frames)
	// Each input's frames keep their order; all of them arrive.
	for i := range inputs {
		var seq []int
		for _, m := range got {
			if m/100 == i {
				seq = append(seq, m%100)
			}
		}
		if len(seq) != each || !sort.IntsAreSorted(seq) {
			t.Errorf("input %d: got %v, want 0..%d in order", i, seq, each-1)
		}
	}
	if len(got) != inputs*each {
		t.Errorf("got %d frames, want %d", len(got), inputs*each)
	}
}

func TestMergeStopsWhenItsReaderLeaves(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	a, b := newLink[V](LinkConfig{Capacity: 2}), newLink[V](LinkConfig{Capacity: 2})
	ea := goSource(ctx, &Pattern{Width: 8, Height: 8}, a)
	eb := goSource(ctx, &Pattern{Width: 8, Height: 8}, b)
	out := newLink[V](LinkConfig{Capacity: 2})
	mergeErr := make(chan error, 1)
	go func() {
		err := Merge[V]{}.Run(ctx, []In[V]{a.In(), b.In()}, out.Out())
		out.CloseSend()
		a.Drain()
		b.Drain()
		mergeErr <- err
	}()
	sink := &Collect[V]{Max: 10}
	defer sink.Release()
	for _, e := range []<-chan error{goSink(ctx, sink, out), mergeErr, ea, eb} {
		if err := wait(t, "stage", e); err != nil {
			t.Errorf("%v", err)
		}
	}
	if n := len(sink.Frames()); n != 10 {
		t.Errorf("collected %d frames, want 10", n)
	}
}

func TestSourceStopsOnCancel(t *testing.T) {
	noLeaks(t)
	// A cancelled run: the link is cancelled, so the source's Send reports
	// false and it returns ctx.Err(); the reader's Recv reports the end.
	ctx, cancel := context.WithCancel(context.Background())
	l := newLink[V](LinkConfig{Capacity: 2})
	srcErr := goSource(ctx, &Pattern{Width: 8, Height: 8}, l)
	null := &Null[V]{}
	sinkErr := goSink(ctx, SinkFunc[V](func(ctx context.Context, in In[V]) error {
		err := null.Run(ctx, in)
		return errors.Join(err, ctx.Err())
	}), l)
	for null.Count() < 5 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	l.Cancel()
	if err := wait(t, "pattern", srcErr); !errors.Is(err, context.Canceled) {
		t.Errorf("pattern: %v, want context.Canceled", err)
	}
	if err := wait(t, "null", sinkErr); !errors.Is(err, context.Canceled) {
		t.Errorf("null: %v, want context.Canceled", err)
	}
}

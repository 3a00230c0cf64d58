// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
)

// videoAt returns n test frames at rate r starting at start, Meta = index.
func videoAt(n int, r frame.Rational, start time.Duration) []V {
	vs := testVideo(n)
	for i := range vs {
		vs[i].PTS = start + frameTime(int64(i), r)
		vs[i].DTS = vs[i].PTS
		vs[i].Duration = frameTime(int64(i+1), r) - frameTime(int64(i), r)
	}
	return vs
}

// checkGrid checks that output k has PTS start+k/fps exactly (as frameTime
// computes it, with no drift), the Duration of its slot, and the Meta want[k].
func checkGrid(t *testing.T, got []V, fps frame.Rational, start time.Duration, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d frames %v, want %d %v", len(got), metas(got), len(want), want)
	}
	bad := 0
	for k := range min(len(got), len(want)) {
		if bad == 5 {
			t.Errorf("... (more outputs off the grid)")
			break
		}
		v := got[k]
		pts := start + frameTime(int64(k), fps)
		if v.PTS != pts || v.DTS != pts || v.Meta != want[k] {
			t.Errorf("output %d: pts %d dts %d from input %v, want pts %d from input %d", k, v.PTS, v.DTS, v.Meta, pts, want[k])
			bad++
		}
		if d := frameTime(int64(k+1), fps) - frameTime(int64(k), fps); v.Duration < d-1 || v.Duration > d+1 {
			t.Errorf("output %d: duration %d, want %d", k, v.Duration, d)
		}
	}
}

func TestRateHalvesThirtyToFifteen(t *testing.T) {
	noLeaks(t)
	live := frame.Live()
	r := &Rate{FPS: frame.Rational{Num: 15, Den: 1}}
	got, err := runTransform(t, r, videoAt(30, frame.Rational{Num: 30, Den: 1}, 0))
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 15)
	for k := range want {
		want[k] = 2 * k // the latest input not after k/15 s
	}
	checkGrid(t, got, frame.Rational{Num: 15, Den: 1}, 0, want)
	if r.Dropped() != 15 || r.Duplicated() != 0 {
		t.Errorf("dropped %d duplicated %d, want 15 and 0", r.Dropped(), r.Duplicated())
	}
	if n := frame.Live() - live; n != int64(len(got)) {
		t.Errorf("%d handles alive for %d frames kept: dropped frames not released", n, len(got))
	}
}

func TestRateDoublesFifteenToThirty(t *testing.T) {
	noLeaks(t)
	live := frame.Live()
	r := &Rate{FPS: frame.Rational{Num: 30, Den: 1}}
	got, err := runTransform(t, r, videoAt(10, frame.Rational{Num: 15, Den: 1}, 0))
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 20)
	for k := range want {
		want[k] = k / 2
	}
	checkGrid(t, got, frame.Rational{Num: 30, Den: 1}, 0, want)
	if r.Dropped() != 0 || r.Duplicated() != 10 {
		t.Errorf("dropped %d duplicated %d, want 0 and 10", r.Dropped(), r.Duplicated())
	}
	// Repeats are references, not copies: 10 handles back 20 frames.
	if n := frame.Live() - live; n != 10 {
		t.Errorf("%d handles alive, want 10", n)
	}
	if len(got) > 1 && got[0].Data != got[1].Data {
		t.Errorf("a repeated frame has its own data: want the same handle retained")
	}
}

func TestRateKeepsTheGridFromAnOffsetStart(t *testing.T) {
	noLeaks(t)
	r := &Rate{FPS: frame.Rational{Num: 25, Den: 1}}
	start := 5 * time.Second
	got, err := runTransform(t, r, videoAt(50, frame.Rational{Num: 50, Den: 1}, start))
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 25)
	for k := range want {
		want[k] = 2 * k
	}
	checkGrid(t, got, frame.Rational{Num: 25, Den: 1}, start, want)
}

func TestRateSameNTSCRateChangesNothing(t *testing.T) {
	noLeaks(t)
	// Converting 30000/1001 to 30000/1001 must be the identity: no frame
	// dropped or repeated, every PTS unchanged. A grid built by adding a
	// truncated step (33366666 ns) drifts from the input's exact PTS and
	// repeats frames.
	fps := frame.Rational{Num: 30000, Den: 1001}
	r := &Rate{FPS: fps}
	got, err := runTransform(t, r, videoAt(90, fps, 0))
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	checkGrid(t, got, fps, 0, seq(90))
	if r.Dropped() != 0 || r.Duplicated() != 0 {
		t.Errorf("dropped %d duplicated %d, want 0 and 0", r.Dropped(), r.Duplicated())
	}
}

func TestRateRefusesEncodedFrames(t *testing.T) {
	noLeaks(t)
	vs := testVideo(6)
	vs[3].Format = frame.H264
	got, err := runTransform(t, &Rate{FPS: frame.Rational{Num: 30, Den: 1}}, vs)
	release(got)
	if err == nil || !strings.Contains(err.Error(), "H264") || !strings.Contains(err.Error(), "encoded") {
		t.Fatalf("err = %v, want one naming H264 as encoded", err)
	}
}

func TestRateRefusesBadFPS(t *testing.T) {
	noLeaks(t)
	for _, fps := range []frame.Rational{{}, {Num: -1, Den: 1}, {Num: 30, Den: 0}} {
		got, err := runTransform(t, &Rate{FPS: fps}, testVideo(3))
		release(got)
		if err == nil || !strings.Contains(err.Error(), fps.String()) {
			t.Errorf("FPS %v: err %v, want one naming it", fps, err)
		}
	}
}

func TestRateEmptyInputAndSingleFrame(t *testing.T) {
	noLeaks(t)
	got, err := runTransform(t, &Rate{FPS: frame.Rational{Num: 30, Den: 1}}, []V(nil))
	if err != nil || len(got) != 0 {
		t.Fatalf("empty input: %d frames, %v", len(got), err)
	}
	// One frame lasting 100 ms at 30 fps fills three slots (0, 33, 66 ms).
	vs := testVideo(1)
	vs[0].Duration = 100 * time.Millisecond
	got, err = runTransform(t, &Rate{FPS: frame.Rational{Num: 30, Den: 1}}, vs)
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	checkGrid(t, got, frame.Rational{Num: 30, Den: 1}, 0, []int{0, 0, 0})
}

func TestRateStopsWhenItsReaderLeaves(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	a, b := newLink[V](LinkConfig{Capacity: 2}), newLink[V](LinkConfig{Capacity: 2})
	srcErr := goSource(ctx, &Pattern{Width: 8, Height: 8}, a)
	trErr := goTransform(ctx, Transform[V, V](&Rate{FPS: frame.Rational{Num: 60, Den: 1}}), a, b)
	sink := &Collect[V]{Max: 9}
	defer sink.Release()
	for _, e := range []<-chan error{goSink(ctx, sink, b), trErr, srcErr} {
		if err := wait(t, "stage", e); err != nil {
			t.Errorf("%v", err)
		}
	}
	if n := len(sink.Frames()); n != 9 {
		t.Errorf("collected %d frames, want 9", n)
	}
}

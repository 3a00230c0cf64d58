// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mustPanic runs f and fails unless it panics with a message containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if !strings.Contains(r.(string), want) {
			t.Fatalf("panic %q, want one containing %q", r, want)
		}
	}()
	f()
}

func TestBytesDataFreesOnceOnLastRelease(t *testing.T) {
	live := frame.Live()
	freed := 0
	d := frame.NewBytesFunc(func() { freed++ }, []byte("abc"), []byte("de"))
	if got := frame.Live(); got != live+1 {
		t.Fatalf("Live = %d after NewBytes, want %d", got, live+1)
	}
	d.Retain()
	d.Retain()
	d.Release()
	d.Release()
	if freed != 0 {
		t.Fatalf("freed with an owner left")
	}
	d.Release()
	if freed != 1 {
		t.Fatalf("freed %d times, want 1", freed)
	}
	if got := frame.Live(); got != live {
		t.Fatalf("Live = %d after the last release, want %d", got, live)
	}
	mustPanic(t, "double release", d.Release)
	mustPanic(t, "Retain of a released", d.Retain)
}

func TestRefCountConcurrent(t *testing.T) {
	live := frame.Live()
	freed := 0
	d := frame.NewBytesFunc(func() { freed++ }, make([]byte, 8))
	var wg sync.WaitGroup
	for range 8 {
		d.Retain()
		wg.Go(func() {
			for range 1000 {
				d.Retain()
				d.Release()
			}
			d.Release()
		})
	}
	wg.Wait()
	d.Release()
	if freed != 1 || frame.Live() != live {
		t.Fatalf("freed %d times, live %d; want 1 and %d", freed, frame.Live(), live)
	}
}

func TestPlanesNeverCopyCPUBytes(t *testing.T) {
	y, u, v := make([]byte, 16), make([]byte, 4), make([]byte, 4)
	d := frame.NewBytes(y, u, v)
	defer d.Release()
	copied := frame.CopiedBytes()
	planes, err := d.Planes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if &planes[0][0] != &y[0] || &planes[2][0] != &v[0] {
		t.Fatal("Planes returned copies of CPU planes")
	}
	if d.Size() != 24 || d.Location() != frame.CPU {
		t.Fatalf("Size %d Location %v, want 24 cpu", d.Size(), d.Location())
	}
	if frame.CopiedBytes() != copied {
		t.Fatal("copied bytes counted without a copy")
	}
}

func TestBytesCopiesOnlyPlanarAndCounts(t *testing.T) {
	one := frame.NewBytes([]byte("packed"))
	defer one.Release()
	copied := frame.CopiedBytes()
	b, err := frame.Bytes(context.Background(), one)
	if err != nil || string(b) != "packed" || frame.CopiedBytes() != copied {
		t.Fatalf("single plane: %q %v, copied %d", b, err, frame.CopiedBytes()-copied)
	}
	three := frame.NewBytes([]byte("yy"), []byte("u"), []byte("v"))
	defer three.Release()
	b, err = frame.Bytes(context.Background(), three)
	if err != nil || !bytes.Equal(b, []byte("yyuv")) {
		t.Fatalf("planar: %q %v", b, err)
	}
	if got := frame.CopiedBytes() - copied; got != 4 {
		t.Fatalf("copied %d bytes counted, want 4", got)
	}
}

func TestPoolRecyclesBuffers(t *testing.T) {
	live := frame.Live()
	p, err := frame.NewVideoPool(frame.I420, 33, 17)
	if err != nil {
		t.Fatal(err)
	}
	v := p.Get()
	planes, _ := v.Planes(context.Background())
	wantSizes := []int{33 * 17, 17 * 9, 17 * 9}
	for i, pl := range planes {
		if len(pl) != wantSizes[i] || cap(pl) != wantSizes[i] {
			t.Fatalf("plane %d: len %d cap %d, want %d", i, len(pl), cap(pl), wantSizes[i])
		}
	}
	if v.Strides != [4]int{33, 17, 17, 0} || v.Width != 33 || v.Height != 17 || v.Format != frame.I420 {
		t.Fatalf("frame %v strides %v", v, v.Strides)
	}
	v.Release()
	if frame.Live() != live {
		t.Fatalf("Live = %d, want %d", frame.Live(), live)
	}
	// Reuse is proven by TestPoolAllocatesNothingWhenWarm; here, a pooled
	// buffer is still guarded against a double release.
	w := p.Get()
	w.Release()
	mustPanic(t, "double release", w.Release)
	if _, err := frame.NewVideoPool(frame.H264, 10, 10); err == nil {
		t.Fatal("a pool of H264 frames was made")
	}
}

func TestFormatLayout(t *testing.T) {
	cases := []struct {
		f       frame.Format
		w, h    int
		strides [4]int
		sizes   [4]int
	}{
		{frame.I420, 4, 2, [4]int{4, 2, 2}, [4]int{8, 2, 2}},
		{frame.I420, 5, 3, [4]int{5, 3, 3}, [4]int{15, 6, 6}},
		{frame.NV12, 5, 3, [4]int{5, 6}, [4]int{15, 12}},
		{frame.I422, 4, 2, [4]int{4, 2, 2}, [4]int{8, 4, 4}},
		{frame.I444, 2, 2, [4]int{2, 2, 2}, [4]int{4, 4, 4}},
		{frame.RGBA, 3, 2, [4]int{12}, [4]int{24}},
		{frame.YUY2, 3, 2, [4]int{8}, [4]int{16}},
		{frame.GRAY8, 3, 2, [4]int{3}, [4]int{6}},
		{frame.H264, 3, 2, [4]int{}, [4]int{}},
	}
	for _, c := range cases {
		s, z := c.f.Layout(c.w, c.h)
		if s != c.strides || z != c.sizes {
			t.Errorf("%v %dx%d: strides %v sizes %v, want %v %v", c.f, c.w, c.h, s, z, c.strides, c.sizes)
		}
	}
}

func TestFormatKinds(t *testing.T) {
	for _, f := range []frame.Format{frame.I420, frame.NV12, frame.RGBA, frame.BGRA, frame.GRAY8, frame.H264, frame.H265, frame.VP8, frame.VP9, frame.AV1} {
		if !f.IsVideo() || f.IsAudio() {
			t.Errorf("%v: video %v audio %v", f, f.IsVideo(), f.IsAudio())
		}
		if g, err := frame.ParseFormat(f.String()); err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), g, err)
		}
	}
	for _, f := range []frame.Format{frame.S16, frame.S16P, frame.F32, frame.F32P, frame.Opus, frame.AAC} {
		if f.IsVideo() || !f.IsAudio() {
			t.Errorf("%v: video %v audio %v", f, f.IsVideo(), f.IsAudio())
		}
	}
	if !frame.H264.IsEncoded() || !frame.Opus.IsEncoded() || frame.I420.IsEncoded() || frame.S16.IsEncoded() {
		t.Error("IsEncoded is wrong")
	}
	if !frame.F32P.IsPlanarAudio() || frame.F32.IsPlanarAudio() || frame.S16.SampleSize() != 2 || frame.F32P.SampleSize() != 4 {
		t.Error("audio layout is wrong")
	}
	if _, err := frame.ParseFormat("YV12"); err == nil || !strings.Contains(err.Error(), "YV12") {
		t.Errorf("ParseFormat(YV12) error %v, want one naming it", err)
	}
}

func TestZeroFramesAreSafe(t *testing.T) {
	var v frame.Video
	var a frame.Audio
	v.Retain()
	v.Release()
	a.Retain()
	a.Release()
	if v.Size() != 0 || a.Size() != 0 {
		t.Fatal("zero frames have a size")
	}
	if _, err := v.Planes(context.Background()); err == nil {
		t.Fatal("zero video has planes")
	}
	if _, err := a.Planes(context.Background()); err == nil {
		t.Fatal("zero audio has planes")
	}
}

func TestPoolAllocatesNothingWhenWarm(t *testing.T) {
	if !frame.ReuseHandles {
		t.Skip("under -race released handles are not reused (see frame.ReuseHandles): nothing to measure")
	}
	p, _ := frame.NewVideoPool(frame.I420, 64, 64)
	p.Get().Release()
	allocs := testing.AllocsPerRun(100, func() {
		v := p.Get()
		v.Retain()
		v.Release()
		v.Release()
	})
	// A GC during the run may empty the sync.Pool: allow a rare refill.
	if allocs > 0.1 {
		t.Fatalf("%.2f allocations per frame from a warm pool", allocs)
	}
}

// A Release through a stale copy of a released frame is caught (under
// -race, where handles are not reused) instead of touching another frame.
func TestStaleReleaseIsCaught(t *testing.T) {
	p, _ := frame.NewVideoPool(frame.I420, 16, 16)
	v := p.Get()
	stale := v
	v.Release()
	next := p.Get() // would have reused v's handle
	defer next.Release()
	frametest.StaleIsCaught(t, stale)
	if next.Data == v.Data {
		t.Error("a released handle was reused under -race")
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
)

func TestPatternFramesSizesAndStrides(t *testing.T) {
	noLeaks(t)
	got, err := runSource[V](t, &Pattern{Width: 64, Height: 48, Frames: 7}, LinkConfig{Capacity: 4})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Fatalf("got %d frames, want 7", len(got))
	}
	for i, v := range got {
		if v.Format != frame.I420 || v.Width != 64 || v.Height != 48 || !v.Keyframe {
			t.Errorf("frame %d: %v", i, v)
		}
		if v.Strides != [4]int{64, 32, 32} {
			t.Errorf("frame %d: strides %v, want [64 32 32 0]", i, v.Strides)
		}
		planes, err := v.Planes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(planes) != 3 || len(planes[0]) != 64*48 || len(planes[1]) != 32*24 || len(planes[2]) != 32*24 {
			t.Errorf("frame %d: %d planes of %d, %d, %d bytes", i, len(planes), len(planes[0]), len(planes[1]), len(planes[2]))
		}
		if v.Size() != 64*48*3/2 {
			t.Errorf("frame %d: size %d", i, v.Size())
		}
	}
}

func TestPatternDefaults(t *testing.T) {
	noLeaks(t)
	got, err := runSource[V](t, &Pattern{Frames: 2}, LinkConfig{})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Width != 320 || got[0].Height != 240 || got[1].PTS != time.Second/30 {
		t.Fatalf("defaults: %v", got)
	}
}

func TestPatternTimingIsExactAtNTSCRate(t *testing.T) {
	noLeaks(t)
	const n = 61
	got, err := runSource[V](t, &Pattern{Width: 16, Height: 16, FPS: frame.Rational{Num: 30000, Den: 1001}, Frames: n}, LinkConfig{})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("got %d frames, want %d", len(got), n)
	}
	// Frame k starts at k*1001/30000 s, truncated to the nanosecond, with no
	// drift however long the stream; durations fill the gaps exactly.
	at := func(k int) time.Duration { return time.Duration(int64(k) * 1001 * int64(time.Second) / 30000) }
	for k, v := range got {
		if v.PTS != at(k) || v.DTS != v.PTS || v.Duration != at(k+1)-at(k) {
			t.Errorf("frame %d: pts %d dts %d duration %d, want pts %d duration %d", k, v.PTS, v.DTS, v.Duration, at(k), at(k+1)-at(k))
		}
	}
	if got[30].PTS != 1001*time.Millisecond || got[60].PTS != 2002*time.Millisecond {
		t.Errorf("frames 30 and 60 at %v and %v, want 1.001s and 2.002s", got[30].PTS, got[60].PTS)
	}
	if got[3].PTS != 100100000 {
		t.Errorf("frame 3 at %d ns, want 100100000", got[3].PTS)
	}
}

func TestPatternFramesDiffer(t *testing.T) {
	noLeaks(t)
	got, err := runSource[V](t, &Pattern{Width: 64, Height: 48, Frames: 12}, LinkConfig{})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seen := map[string]int{}
	for i, v := range got {
		planes, _ := v.Planes(ctx)
		y := string(planes[0])
		if j, ok := seen[y]; ok {
			t.Errorf("frames %d and %d have the same luma", j, i)
		}
		seen[y] = i
		// Limited-range luma; chroma bars.
		for _, b := range planes[0] {
			if b < 16 || b > 235 {
				t.Fatalf("frame %d: luma %d out of 16..235", i, b)
			}
		}
		if bytes.Equal(planes[1], planes[2]) {
			t.Errorf("frame %d: U and V planes equal, want colour bars", i)
		}
	}
}

func TestPatternOddSizes(t *testing.T) {
	noLeaks(t)
	got, err := runSource[V](t, &Pattern{Width: 33, Height: 17, Frames: 3}, LinkConfig{})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	planes, _ := got[0].Planes(context.Background())
	if got[0].Strides != [4]int{33, 17, 17} || len(planes[0]) != 33*17 || len(planes[1]) != 17*9 {
		t.Fatalf("33x17: strides %v, planes %d and %d bytes", got[0].Strides, len(planes[0]), len(planes[1]))
	}
}

// TestPatternTinySizes runs Pattern at sizes that are in its accepted range
// (1..16384) but smaller than its bouncing square. The stage is run in the
// test goroutine so that a panic fails the test instead of the binary.
func TestPatternTinySizes(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {1, 4}, {4, 1}, {2, 2}, {3, 3}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			noLeaks(t)
			l := newLink[V](LinkConfig{Capacity: 8})
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("Pattern %dx%d panicked: %v", size[0], size[1], r)
					}
				}()
				if err := (&Pattern{Width: size[0], Height: size[1], Frames: 4}).Run(context.Background(), l.Out()); err != nil {
					t.Errorf("Pattern %dx%d: %v", size[0], size[1], err)
				}
			}()
			l.CloseSend()
			for v := range l.In().All() {
				if v.Width != size[0] || v.Height != size[1] {
					t.Errorf("frame %v", v)
				}
				v.Release()
			}
		})
	}
}

func TestPatternRefusesBadParameters(t *testing.T) {
	noLeaks(t)
	for _, c := range []struct {
		p    Pattern
		want string
	}{
		{Pattern{Width: 0, Height: 240}, "0x240"},
		{Pattern{Width: 320, Height: 0}, "320x0"},
		{Pattern{Width: -8, Height: 8}, "-8x8"},
		{Pattern{Width: 16385, Height: 16}, "16385x16"},
		{Pattern{Width: 16, Height: 20000}, "16x20000"},
		{Pattern{Width: 16, Height: 16, FPS: frame.Rational{Num: -30, Den: 1}}, "-30/1"},
		{Pattern{Width: 16, Height: 16, FPS: frame.Rational{Num: 30, Den: 0}}, "30/0"},
	} {
		got, err := runSource[V](t, &c.p, LinkConfig{})
		release(got)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Pattern %dx%d at %v: err %v, want one naming %q", c.p.Width, c.p.Height, c.p.FPS, err, c.want)
		}
		if len(got) != 0 {
			t.Errorf("Pattern %dx%d sent %d frames before failing", c.p.Width, c.p.Height, len(got))
		}
	}
}

func TestPatternLiveIsCancellable(t *testing.T) {
	noLeaks(t)
	// A live pattern sends its frames in time order; cancelling its context
	// stops it while it waits for the next frame time (here 10 s away).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := newLink[V](LinkConfig{Capacity: 4})
	srcErr := goSource(ctx, &Pattern{Width: 8, Height: 8, FPS: frame.Rational{Num: 1, Den: 10}, Live: true}, l)
	v, ok := l.In().Recv()
	if !ok || v.PTS != 0 {
		t.Fatalf("first live frame: %v %v", v, ok)
	}
	v.Release()
	cancel()
	if err := wait(t, "pattern", srcErr); err != context.Canceled {
		t.Errorf("pattern: %v, want context.Canceled", err)
	}
	if n := l.Drain(); n != 0 {
		t.Errorf("drained %d frames, want 0", n)
	}
}

func TestSineS16Values(t *testing.T) {
	noLeaks(t)
	s := &Sine{Freq: 1000, Volume: 0.8, Rate: 48000, Channels: 2, Samples: 480, Frames: 3}
	got, err := runSource[A](t, s, LinkConfig{})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d frames, want 3", len(got))
	}
	for n, a := range got {
		if a.Format != frame.S16 || a.Rate != 48000 || a.Channels != 2 || a.Samples != 480 || a.Size() != 480*2*2 {
			t.Fatalf("frame %d: %v size %d", n, a, a.Size())
		}
		planes, _ := a.Planes(context.Background())
		if len(planes) != 1 {
			t.Fatalf("frame %d: %d planes, want 1 (interleaved)", n, len(planes))
		}
		for _, i := range []int{0, 1, 7, 12, 100, 479} {
			want := 0.8 * 32767 * math.Sin(2*math.Pi*1000*float64(n*480+i)/48000)
			for c := range 2 {
				got := int16(binary.LittleEndian.Uint16(planes[0][2*(2*i+c):]))
				if math.Abs(float64(got)-want) > 1 {
					t.Errorf("frame %d sample %d channel %d = %d, want %.1f", n, i, c, got, want)
				}
			}
		}
	}
}

func TestSineF32PValues(t *testing.T) {
	noLeaks(t)
	s := &Sine{Freq: 440, Volume: 0.25, Rate: 44100, Channels: 3, Samples: 1000, Format: frame.F32P, Frames: 4}
	got, err := runSource[A](t, s, LinkConfig{})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d frames, want 4", len(got))
	}
	for n, a := range got {
		planes, _ := a.Planes(context.Background())
		if len(planes) != 3 {
			t.Fatalf("frame %d: %d planes, want one per channel", n, len(planes))
		}
		for c, p := range planes {
			if len(p) != 4000 {
				t.Fatalf("frame %d plane %d: %d bytes, want 4000", n, c, len(p))
			}
			for _, i := range []int{0, 3, 50, 999} {
				want := 0.25 * math.Sin(2*math.Pi*440*float64(n*1000+i)/44100)
				got := math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
				if math.Abs(float64(got)-want) > 1e-6 {
					t.Errorf("frame %d sample %d channel %d = %g, want %g", n, i, c, got, want)
				}
			}
		}
		// PTS counts samples: frame n starts at n*1000/44100 s, exactly.
		at := func(k int) time.Duration { return time.Duration(int64(k) * 1000 * int64(time.Second) / 44100) }
		if a.PTS != at(n) || a.Duration != at(n+1)-at(n) {
			t.Errorf("frame %d: pts %d duration %d, want %d and %d", n, a.PTS, a.Duration, at(n), at(n+1)-at(n))
		}
	}
}

func TestSinePTSFromSampleCounts(t *testing.T) {
	noLeaks(t)
	got, err := runSource[A](t, &Sine{Frames: 50}, LinkConfig{})
	defer release(got)
	if err != nil {
		t.Fatal(err)
	}
	// Defaults: 48 kHz, 1024 samples: frame 375 would be at 8 s exactly.
	for n, a := range got {
		want := time.Duration(int64(n) * 1024 * int64(time.Second) / 48000)
		if a.PTS != want || a.DTS != want || a.Samples != 1024 || a.Channels != 2 || a.Format != frame.S16 {
			t.Errorf("frame %d: %v, want pts %v", n, a, want)
		}
	}
	if got[15].PTS != 320*time.Millisecond {
		t.Errorf("frame 15 at %v, want 320ms", got[15].PTS)
	}
}

func TestSineRefusesBadParameters(t *testing.T) {
	noLeaks(t)
	for _, c := range []struct {
		s    Sine
		want string
	}{
		{Sine{Format: frame.H264}, "H264"},
		{Sine{Format: frame.I420}, "I420"},
		{Sine{Rate: -1}, "rate -1"},
		{Sine{Channels: 65}, "channels 65"},
		{Sine{Samples: -5}, "samples -5"},
		{Sine{Volume: 2}, "volume 2"},
	} {
		got, err := runSource[A](t, &c.s, LinkConfig{})
		release(got)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want one naming %q", c.s, err, c.want)
		}
	}
}

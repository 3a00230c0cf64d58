// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
)

// patternY4M returns the Y4M bytes of n frames of Pattern at the given size
// and rate, written by the Y4MWriter sink.
func patternY4M(t *testing.T, w, h, n int, fps frame.Rational) []byte {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	l := newLink[V](LinkConfig{Capacity: 4})
	srcErr := goSource(ctx, &Pattern{Width: w, Height: h, FPS: fps, Frames: n}, l)
	if err := wait(t, "y4m-writer", goSink(ctx, Sink[V](NewY4MWriter(&buf)), l)); err != nil {
		t.Fatalf("y4m-writer: %v", err)
	}
	if err := wait(t, "pattern", srcErr); err != nil {
		t.Fatalf("pattern: %v", err)
	}
	return buf.Bytes()
}

// planesOf returns copies of the planes of v, each cut to its tight rows.
func planesOf(t *testing.T, v V) [][]byte {
	t.Helper()
	planes, err := v.Planes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tight, _ := v.Format.Layout(v.Width, v.Height)
	out := make([][]byte, v.Format.Planes())
	for i := range out {
		stride := v.Strides[i]
		if stride == 0 {
			stride = tight[i]
		}
		for r := range v.Format.PlaneRows(i, v.Height) {
			out[i] = append(out[i], planes[i][r*stride:r*stride+tight[i]]...)
		}
	}
	return out
}

// readAll reads every frame of a Y4M stream with the reader as a source.
func readAll(t *testing.T, stream []byte) (*Y4MReader, []V, error) {
	t.Helper()
	r, err := NewY4MReader(bytes.NewReader(stream))
	if err != nil {
		return nil, nil, err
	}
	got, err := runSource[V](t, r, LinkConfig{Capacity: 4})
	return r, got, err
}

func TestY4MRoundTrip(t *testing.T) {
	for _, c := range []struct {
		w, h int
		fps  frame.Rational
	}{
		{64, 48, frame.Rational{Num: 30000, Den: 1001}},
		{33, 17, frame.Rational{Num: 25, Den: 1}},
		{1920 / 8, 1080 / 8, frame.Rational{Num: 60, Den: 1}},
		{2, 2, frame.Rational{Num: 24000, Den: 1001}},
	} {
		t.Run(fmt.Sprintf("%dx%d@%v", c.w, c.h, c.fps), func(t *testing.T) {
			noLeaks(t)
			const n = 6
			want, err := runSource[V](t, &Pattern{Width: c.w, Height: c.h, FPS: c.fps, Frames: n}, LinkConfig{})
			defer release(want)
			if err != nil {
				t.Fatal(err)
			}
			stream := patternY4M(t, c.w, c.h, n, c.fps)
			header := fmt.Sprintf("YUV4MPEG2 W%d H%d F%d:%d Ip A1:1 C420jpeg\n", c.w, c.h, c.fps.Num, c.fps.Den)
			if !bytes.HasPrefix(stream, []byte(header)) {
				t.Fatalf("stream starts %q, want %q", stream[:min(len(stream), 60)], header)
			}
			if size := len(header) + n*(len("FRAME\n")+want[0].Size()); len(stream) != size {
				t.Fatalf("stream of %d bytes, want %d", len(stream), size)
			}
			r, got, err := readAll(t, stream)
			defer release(got)
			if err != nil {
				t.Fatal(err)
			}
			if r.Header.Width != c.w || r.Header.Height != c.h || r.Header.FPS != c.fps || r.Header.Format != frame.I420 ||
				r.Header.Interlace != 'p' || r.Header.Aspect != (frame.Rational{Num: 1, Den: 1}) {
				t.Fatalf("header %+v", r.Header)
			}
			if len(got) != n {
				t.Fatalf("read %d frames, want %d", len(got), n)
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.Width != w.Width || g.Height != w.Height || g.Format != w.Format || g.Strides != w.Strides ||
					g.PTS != w.PTS || g.Duration != w.Duration || !g.Keyframe {
					t.Errorf("frame %d: read %v (strides %v, dur %v), want %v (strides %v, dur %v)", i, g, g.Strides, g.Duration, w, w.Strides, w.Duration)
				}
				gp, wp := planesOf(t, g), planesOf(t, w)
				for p := range wp {
					if !bytes.Equal(gp[p], wp[p]) {
						t.Errorf("frame %d plane %d differs", i, p)
					}
				}
			}
		})
	}
}

// randomFrame returns a tightly packed frame of format f filled with
// pseudo-random bytes.
func randomFrame(t *testing.T, f frame.Format, w, h int, rng *rand.Rand) V {
	t.Helper()
	pool, err := frame.NewVideoPool(f, w, h)
	if err != nil {
		t.Fatal(err)
	}
	v := pool.Get()
	planes, _ := v.Planes(context.Background())
	for _, p := range planes {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}
	v.Duration = 40 * time.Millisecond
	return v
}

func TestY4MFormats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		f      frame.Format
		colour string
	}{
		{frame.I420, "C420jpeg"},
		{frame.I422, "C422"},
		{frame.I444, "C444"},
		{frame.GRAY8, "Cmono"},
	} {
		for _, size := range [][2]int{{16, 8}, {33, 17}, {1, 1}} {
			t.Run(fmt.Sprintf("%v/%dx%d", c.f, size[0], size[1]), func(t *testing.T) {
				noLeaks(t)
				ctx := context.Background()
				var buf bytes.Buffer
				w := NewY4MWriter(&buf)
				in := []V{randomFrame(t, c.f, size[0], size[1], rng), randomFrame(t, c.f, size[0], size[1], rng)}
				defer release(in)
				for _, v := range in {
					if err := w.WriteFrame(ctx, v); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				header, _, _ := strings.Cut(buf.String(), "\n")
				if want := fmt.Sprintf("YUV4MPEG2 W%d H%d F25:1 Ip A1:1 %s", size[0], size[1], c.colour); header != want {
					t.Fatalf("header %q, want %q", header, want)
				}
				r, err := NewY4MReader(&buf)
				if err != nil {
					t.Fatal(err)
				}
				if r.Header.Format != c.f {
					t.Fatalf("read format %v, want %v", r.Header.Format, c.f)
				}
				for i, want := range in {
					got, err := r.ReadFrame()
					if err != nil {
						t.Fatalf("frame %d: %v", i, err)
					}
					gp, wp := planesOf(t, got), planesOf(t, want)
					if len(gp) != c.f.Planes() {
						t.Errorf("frame %d: %d planes", i, len(gp))
					}
					for p := range wp {
						if !bytes.Equal(gp[p], wp[p]) {
							t.Errorf("frame %d plane %d differs", i, p)
						}
					}
					got.Release()
				}
				if v, err := r.ReadFrame(); err != io.EOF {
					v.Release()
					t.Fatalf("after the last frame: %v, want io.EOF", err)
				}
			})
		}
	}
}

func TestY4MReaderHeaderParameters(t *testing.T) {
	noLeaks(t)
	stream := "YUV4MPEG2 W4  H2 F30000:1001 It A10:11 C420mpeg2 XYSCSS=420MPEG2 Xfoo\nFRAME Ixyz\n" + strings.Repeat("\x10", 12)
	r, err := NewY4MReader(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header
	if h.Width != 4 || h.Height != 2 || h.FPS != (frame.Rational{Num: 30000, Den: 1001}) || h.Interlace != 't' ||
		h.Aspect != (frame.Rational{Num: 10, Den: 11}) || h.Format != frame.I420 ||
		len(h.Extra) != 2 || h.Extra[0] != "YSCSS=420MPEG2" || h.Extra[1] != "foo" {
		t.Fatalf("header %+v", h)
	}
	v, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	v.Release()
	// Defaults: 25 fps, progressive, 4:2:0.
	r, err = NewY4MReader(strings.NewReader("YUV4MPEG2 W2 H2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header; h.FPS != (frame.Rational{Num: 25, Den: 1}) || h.Interlace != 'p' || h.Format != frame.I420 {
		t.Fatalf("defaults %+v", h)
	}
	if v, err := r.ReadFrame(); err != io.EOF {
		v.Release()
		t.Fatalf("empty body: %v, want io.EOF", err)
	}
}

func TestY4MReaderHeaderErrors(t *testing.T) {
	noLeaks(t)
	long := "YUV4MPEG2 W2 H2 X" + strings.Repeat("a", 5000) + "\n"
	for _, c := range []struct {
		name, stream string
		want         []string
		is           error
	}{
		{"empty", "", []string{"empty input", "YUV4MPEG2"}, io.ErrUnexpectedEOF},
		{"wrong magic", "YUV4MPEG W2 H2\n", []string{`"YUV4MPEG"`}, nil},
		{"not y4m", "RIFF\x00\x00 WAVEfmt\n", []string{`"RIFF\x00\x00"`}, nil},
		{"no W", "YUV4MPEG2 H2 F25:1\n", []string{"W and H"}, nil},
		{"no H", "YUV4MPEG2 W2 F25:1\n", []string{"W and H"}, nil},
		{"zero W", "YUV4MPEG2 W0 H2\n", []string{`"W0"`}, nil},
		{"huge H", "YUV4MPEG2 W2 H99999\n", []string{`"H99999"`, "16384"}, nil},
		{"W not a number", "YUV4MPEG2 Wx H2\n", []string{`"Wx"`}, nil},
		{"F zero den", "YUV4MPEG2 W2 H2 F30:0\n", []string{`"F30:0"`, "positive"}, nil},
		{"F no colon", "YUV4MPEG2 W2 H2 F30\n", []string{`"F30"`, "N:D"}, nil},
		{"F negative", "YUV4MPEG2 W2 H2 F-30:1\n", []string{`"F-30:1"`}, nil},
		{"F overflow", "YUV4MPEG2 W2 H2 F99999999999:1\n", []string{`"F99999999999:1"`}, nil},
		{"unknown C", "YUV4MPEG2 W2 H2 C420p10\n", []string{`"C420p10"`, "colour space"}, nil},
		{"unknown I", "YUV4MPEG2 W2 H2 Iz\n", []string{`"Iz"`, "interlacing"}, nil},
		{"unknown parameter", "YUV4MPEG2 W2 H2 Q7\n", []string{`"Q7"`, "unknown parameter"}, nil},
		{"line too long", long, []string{"longer than 4096"}, nil},
		{"no newline", "YUV4MPEG2 W2 H2", []string{"no newline", "YUV4MPEG2 W2 H2"}, io.ErrUnexpectedEOF},
	} {
		r, err := NewY4MReader(strings.NewReader(c.stream))
		if err == nil {
			t.Errorf("%s: no error, header %+v", c.name, r.Header)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: error %q does not wrap %v", c.name, err, c.is)
		}
		if !strings.HasPrefix(err.Error(), "y4m: ") {
			t.Errorf("%s: error %q does not start with y4m:", c.name, err)
		}
		if len(err.Error()) > 300 {
			t.Errorf("%s: error of %d bytes, want the offending part truncated", c.name, len(err.Error()))
		}
	}
}

func TestY4MReaderTruncatedFrame(t *testing.T) {
	noLeaks(t)
	stream := patternY4M(t, 16, 8, 3, frame.Rational{Num: 30, Den: 1})
	frameBytes := len("FRAME\n") + 16*8*3/2
	for _, cut := range []int{1, 16 * 8 / 2, 16*8*3/2 - 1, 16*8*3/2 + 3} {
		damaged := stream[:len(stream)-cut]
		_, got, err := readAll(t, damaged)
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "frame 2") {
			t.Errorf("cut %d: err %v, want frame 2 truncated (io.ErrUnexpectedEOF)", cut, err)
		}
		if len(got) != 2 {
			t.Errorf("cut %d: %d frames before the damage, want 2", cut, len(got))
		}
		release(got)
	}
	// Cut inside the second FRAME line.
	_, got, err := readAll(t, stream[:len(stream)-2*frameBytes+3])
	release(got)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "frame 1") || len(got) != 1 {
		t.Errorf("cut in a FRAME line: %d frames, err %v", len(got), err)
	}
	// Cut exactly at a frame boundary: a clean end.
	_, got, err = readAll(t, stream[:len(stream)-frameBytes])
	release(got)
	if err != nil || len(got) != 2 {
		t.Errorf("cut at a boundary: %d frames, err %v; want 2 and nil", len(got), err)
	}
	// ReadFrame gives the plane and byte counts.
	r, err := NewY4MReader(bytes.NewReader(stream[:len(stream)-10]))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		v, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		v.Release()
	}
	if _, err := r.ReadFrame(); err == nil || !strings.Contains(err.Error(), "plane 2 after 22 of 32 bytes") {
		t.Errorf("err %v, want plane 2 after 22 of 32 bytes", err)
	}
}

func TestY4MReaderBadFrameMarker(t *testing.T) {
	noLeaks(t)
	stream := patternY4M(t, 8, 8, 3, frame.Rational{Num: 30, Den: 1})
	second := bytes.Index(stream[bytes.Index(stream, []byte("FRAME"))+1:], []byte("FRAME")) + bytes.Index(stream, []byte("FRAME")) + 1
	for _, marker := range []string{"FRAMX", "FRAMEX"} {
		damaged := bytes.Clone(stream)
		damaged = append(damaged[:second:second], append([]byte(marker), stream[second+5:]...)...)
		_, got, err := readAll(t, damaged)
		release(got)
		if err == nil || !strings.Contains(err.Error(), `"`+marker) || !strings.Contains(err.Error(), "frame 1") {
			t.Errorf("%s: err %v, want one naming %q at frame 1", marker, err, marker)
		}
		if len(got) != 1 {
			t.Errorf("%s: %d frames before the damage, want 1", marker, len(got))
		}
	}
}

func TestY4MReaderMaxFrameBytes(t *testing.T) {
	noLeaks(t)
	r, err := NewY4MReader(strings.NewReader("YUV4MPEG2 W16384 H16384 C444\nFRAME\n"))
	if err != nil {
		t.Fatal(err)
	}
	r.MaxFrameBytes = 1 << 20
	if v, err := r.ReadFrame(); err == nil || !strings.Contains(err.Error(), "16384x16384") || !strings.Contains(err.Error(), "1048576") {
		v.Release()
		t.Fatalf("err %v, want one naming the size and the bound", err)
	}
}

func TestY4MReaderStopsWhenItsReaderLeaves(t *testing.T) {
	noLeaks(t)
	stream := patternY4M(t, 8, 8, 20, frame.Rational{Num: 30, Den: 1})
	r, err := NewY4MReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l := newLink[V](LinkConfig{Capacity: 2})
	sink := &Collect[V]{Max: 4}
	defer sink.Release()
	srcErr := goSource[V](ctx, r, l)
	if err := wait(t, "collect", goSink(ctx, sink, l)); err != nil {
		t.Fatal(err)
	}
	if err := wait(t, "y4m-reader", srcErr); err != nil {
		t.Fatal(err)
	}
	if len(sink.Frames()) != 4 {
		t.Fatalf("%d frames", len(sink.Frames()))
	}
}

func TestY4MWriterPaddedStride(t *testing.T) {
	noLeaks(t)
	// A 5x3 I420 frame with rows padded to 8 (luma) and 4 (chroma) bytes:
	// the writer must write 5 and 3 bytes per row, not the padding.
	const w, h = 5, 3
	y, u, v := make([]byte, 8*h), make([]byte, 4*2), make([]byte, 4*2)
	for i := range y {
		y[i] = 0xEE // padding, overwritten below for real pixels
	}
	for i := range u {
		u[i], v[i] = 0xEE, 0xEE
	}
	var wantY, wantU, wantV []byte
	for r := range h {
		for x := range w {
			y[r*8+x] = byte(16 + 10*r + x)
			wantY = append(wantY, y[r*8+x])
		}
	}
	for r := range 2 {
		for x := range 3 {
			u[r*4+x], v[r*4+x] = byte(100+10*r+x), byte(200+10*r+x)
			wantU, wantV = append(wantU, u[r*4+x]), append(wantV, v[r*4+x])
		}
	}
	// The last row need not be padded: trim the planes to what they need.
	in := V{Data: frame.NewBytes(y[:8*2+w], u[:4+3], v), Format: frame.I420, Width: w, Height: h, Strides: [4]int{8, 4, 4}}
	var buf bytes.Buffer
	if err := runSink[V](t, NewY4MWriter(&buf), []V{in}); err != nil {
		t.Fatal(err)
	}
	want := "YUV4MPEG2 W5 H3 F30:1 Ip A1:1 C420jpeg\nFRAME\n" + string(wantY) + string(wantU) + string(wantV)
	if buf.String() != want {
		t.Fatalf("wrote %q\nwant  %q", buf.String(), want)
	}
	_, got, err := readAll(t, buf.Bytes())
	defer release(got)
	if err != nil || len(got) != 1 {
		t.Fatalf("%d frames, %v", len(got), err)
	}
	if p := planesOf(t, got[0]); !bytes.Equal(p[0], wantY) || !bytes.Equal(p[1], wantU) || !bytes.Equal(p[2], wantV) {
		t.Fatalf("read back %v", p)
	}
}

func TestY4MWriterErrors(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	nv12 := func() V {
		return V{Data: frame.NewBytes(make([]byte, 16), make([]byte, 8)), Format: frame.NV12, Width: 4, Height: 4, Strides: [4]int{4, 4}}
	}
	i420 := func(w, h int) V {
		p, err := frame.NewVideoPool(frame.I420, w, h)
		if err != nil {
			t.Fatal(err)
		}
		return p.Get()
	}

	var buf bytes.Buffer
	err := runSink[V](t, NewY4MWriter(&buf), []V{nv12()})
	if err == nil || !strings.Contains(err.Error(), "NV12") {
		t.Errorf("NV12: err %v, want one naming NV12", err)
	}
	if buf.Len() != 0 {
		t.Errorf("NV12: wrote %q, want nothing", buf.String())
	}

	buf.Reset()
	err = runSink[V](t, NewY4MWriter(&buf), []V{i420(64, 48), i420(64, 48), i420(32, 24), i420(64, 48)})
	if err == nil || !strings.Contains(err.Error(), "32x24") || !strings.Contains(err.Error(), "64x48") || !strings.Contains(err.Error(), "frame 2") {
		t.Errorf("size change: err %v, want one naming frame 2, 32x24 and 64x48", err)
	}
	// The frames before the error are flushed and readable.
	_, got, rerr := readAll(t, buf.Bytes())
	release(got)
	if rerr != nil || len(got) != 2 {
		t.Errorf("after a size change: %d frames readable (%v), want 2", len(got), rerr)
	}

	buf.Reset()
	w := NewY4MWriter(&buf)
	first := i420(8, 8)
	defer first.Release()
	if err := w.WriteFrame(ctx, first); err != nil {
		t.Fatal(err)
	}
	gray := V{Data: frame.NewBytes(make([]byte, 64)), Format: frame.GRAY8, Width: 8, Height: 8}
	defer gray.Release()
	if err := w.WriteFrame(ctx, gray); err == nil || !strings.Contains(err.Error(), "GRAY8") || !strings.Contains(err.Error(), "I420") {
		t.Errorf("format change: err %v, want one naming GRAY8 and I420", err)
	}

	short := V{Data: frame.NewBytes(make([]byte, 64), make([]byte, 16), make([]byte, 15)), Format: frame.I420, Width: 8, Height: 8, Strides: [4]int{8, 4, 4}}
	defer short.Release()
	if err := w.WriteFrame(ctx, short); err == nil || !strings.Contains(err.Error(), "plane 2") {
		t.Errorf("short plane: err %v, want one naming plane 2", err)
	}
	narrow := V{Data: frame.NewBytes(make([]byte, 64), make([]byte, 16), make([]byte, 16)), Format: frame.I420, Width: 8, Height: 8, Strides: [4]int{7, 4, 4}}
	defer narrow.Release()
	if err := w.WriteFrame(ctx, narrow); err == nil || !strings.Contains(err.Error(), "stride 7") {
		t.Errorf("stride below the width: err %v, want one naming stride 7", err)
	}
	two := V{Data: frame.NewBytes(make([]byte, 64), make([]byte, 16)), Format: frame.I420, Width: 8, Height: 8}
	defer two.Release()
	if err := w.WriteFrame(ctx, two); err == nil || !strings.Contains(err.Error(), "2 planes") {
		t.Errorf("missing plane: err %v, want one naming 2 planes", err)
	}
	if err := w.WriteFrame(ctx, V{Format: frame.I420, Width: 8, Height: 8}); err == nil || !strings.Contains(err.Error(), "no data") {
		t.Errorf("no data: err %v", err)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errBoom }

func TestY4MWriterReportsWriteErrors(t *testing.T) {
	noLeaks(t)
	vs, err := runSource[V](t, &Pattern{Width: 320, Height: 240, Frames: 3}, LinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// 3 frames of 115 kB overflow the 64 kB buffer: the error surfaces.
	if err := runSink[V](t, NewY4MWriter(failWriter{}), vs); !errors.Is(err, errBoom) {
		t.Fatalf("err %v, want %v", err, errBoom)
	}
}

func TestY4MWriterFrameRate(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	for _, c := range []struct {
		fps      frame.Rational
		duration time.Duration
		want     string
	}{
		{frame.Rational{}, 0, "F30:1"},
		{frame.Rational{}, 33366667, "F30000:1001"},
		{frame.Rational{}, 33366666, "F30000:1001"},
		{frame.Rational{}, 41708333, "F24000:1001"},
		{frame.Rational{}, 20 * time.Millisecond, "F50:1"},
		{frame.Rational{}, 7 * time.Millisecond, "F1000:7"},
		{frame.Rational{}, -time.Second, "F30:1"},
		{frame.Rational{}, 500, "F2000000:1"},
		{frame.Rational{Num: 12, Den: 1}, 40 * time.Millisecond, "F12:1"},
	} {
		var buf bytes.Buffer
		w := NewY4MWriter(&buf)
		w.FPS = c.fps
		v := randomFrame(t, frame.GRAY8, 2, 2, rand.New(rand.NewPCG(3, 4)))
		v.Duration = c.duration
		if err := w.WriteFrame(ctx, v); err != nil {
			t.Fatal(err)
		}
		v.Release()
		w.Flush()
		header, _, _ := strings.Cut(buf.String(), "\n")
		if !strings.Contains(header, " "+c.want+" ") {
			t.Errorf("FPS %v duration %v: header %q, want %s", c.fps, c.duration, header, c.want)
		}
	}
}

// TestY4MFFprobe checks the writer's output with an independent reader.
func TestY4MFFprobe(t *testing.T) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe is not on PATH")
	}
	noLeaks(t)
	file := filepath.Join(t.TempDir(), "pattern.y4m")
	if err := os.WriteFile(file, patternY4M(t, 64, 48, 10, frame.Rational{Num: 30, Den: 1}), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "64,48,10" {
		t.Fatalf("ffprobe says %q, want 64,48,10", got)
	}
}

// FuzzY4MReader feeds the reader arbitrary streams: it must return frames
// or an error, never panic, and lose no frame.
func FuzzY4MReader(f *testing.F) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	seed := func(fm frame.Format, w, h, n int) []byte {
		var buf bytes.Buffer
		y := NewY4MWriter(&buf)
		pool, _ := frame.NewVideoPool(fm, w, h)
		for range n {
			v := pool.Get()
			planes, _ := v.Planes(ctx)
			for _, p := range planes {
				for i := range p {
					p[i] = byte(rng.Uint32())
				}
			}
			if err := y.WriteFrame(ctx, v); err != nil {
				f.Fatal(err)
			}
			v.Release()
		}
		y.Flush()
		return buf.Bytes()
	}
	i420 := seed(frame.I420, 4, 2, 2)
	f.Add(i420)
	f.Add(seed(frame.I420, 3, 3, 1))
	f.Add(seed(frame.I422, 2, 2, 2))
	f.Add(seed(frame.I444, 1, 1, 3))
	f.Add(seed(frame.GRAY8, 5, 1, 2))
	f.Add(i420[:len(i420)-3])                                       // truncated frame
	f.Add(bytes.Replace(i420, []byte("FRAME"), []byte("FRAMX"), 1)) // bad marker
	f.Add([]byte{})
	f.Add([]byte("YUV4MPEG2 W2 H2 F30:0\n"))
	f.Add([]byte("YUV4MPEG2 W16384 H16384 C444\nFRAME\n"))
	f.Add([]byte("YUV4MPEG2 W1 H1 F1:2147483647 Cmono\nFRAME\nxFRAME\ny"))
	f.Add([]byte("YUV4MPEG2 W2 H2 It A0:0 X\nFRAME Ixyz\n012345"))
	f.Fuzz(func(t *testing.T, data []byte) {
		live := frame.Live()
		r, err := NewY4MReader(bytes.NewReader(data))
		if err == nil {
			r.MaxFrameBytes = 1 << 20
			for n := 0; ; n++ {
				v, err := r.ReadFrame()
				if err != nil {
					if !strings.HasPrefix(err.Error(), "y4m: ") && err != io.EOF {
						t.Errorf("error %q does not say y4m", err)
					}
					break
				}
				if v.Width != r.Header.Width || v.Height != r.Header.Height || v.Format != r.Header.Format {
					t.Errorf("frame %d is %v, header %+v", n, v, r.Header)
				}
				_, sizes := v.Format.Layout(v.Width, v.Height)
				if v.Size() != sizes[0]+sizes[1]+sizes[2] {
					t.Errorf("frame %d: %d bytes, want %d", n, v.Size(), sizes[0]+sizes[1]+sizes[2])
				}
				v.Release()
			}
		} else if !strings.HasPrefix(err.Error(), "y4m: ") {
			t.Errorf("error %q does not say y4m", err)
		}
		if got := frame.Live(); got != live {
			t.Fatalf("frame.Live() = %d, want %d", got, live)
		}
	})
}

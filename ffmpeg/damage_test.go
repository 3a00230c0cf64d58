// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// truncate writes the first frac of in to a new file and returns its path.
func truncate(t *testing.T, in string, frac float64) string {
	t.Helper()
	b, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cut"+filepath.Ext(in))
	if err := os.WriteFile(out, b[:int(float64(len(b))*frac)], 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// Frames before the damage come out, the error says the input is
// truncated, nothing panics or leaks.
func TestTruncatedInput(t *testing.T) {
	mkv := media(t, "h264_aac.mkv", "320x240", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")
	for _, in := range []string{h264AAC(t), mkv} {
		t.Run(filepath.Ext(in), func(t *testing.T) {
			noLeaks(t)
			cut := truncate(t, in, 0.5)
			g := stream.New()
			vp, ap := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: cut}, true, true)
			raw := stream.AddTransform(g, "", vp, ffmpeg.NewVideoDecoder())
			araw := stream.AddTransform(g, "", ap, ffmpeg.NewAudioDecoder())
			col := &stage.Collect[V]{}
			defer col.Release()
			stream.AddSink(g, "", raw, col)
			stream.AddSink(g, "", araw, &stage.Null[A]{})
			err := g.Run(context.Background())
			if !errors.Is(err, ffmpeg.ErrTruncated) {
				t.Errorf("err %v, want ErrTruncated", err)
			}
			if n := len(col.Frames()); n < 10 || n >= 60 {
				t.Errorf("%d frames decoded before the damage", n)
			}
		})
	}
}

// A Mux cancelled mid-stream, or whose upstream fails, still writes its
// trailer: the MP4 plays.
func TestMuxFinishesOnCancelAndError(t *testing.T) {
	for _, mode := range []string{"cancel", "error"} {
		t.Run(mode, func(t *testing.T) {
			noLeaks(t)
			out := filepath.Join(t.TempDir(), "partial.mp4")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			boom := errors.New("camera unplugged")
			g := stream.New()
			p := stream.AddSource[V](g, "", &failAfter{n: 45, mode: mode, cancel: cancel, err: boom})
			enc := stream.AddTransform(g, "", p, &ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast", GlobalHeader: true})
			ffmpeg.AddMux(g, "", &ffmpeg.Mux{URL: out}, enc, nil)
			start := time.Now()
			err := g.Run(ctx)
			if mode == "cancel" && !errors.Is(err, context.Canceled) || mode == "error" && !errors.Is(err, boom) {
				t.Fatalf("err %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			v := probe(t, out, "v:0", "stream=codec_name,nb_read_frames")
			if v["codec_name"] != "h264" || atoi(t, v["nb_read_frames"]) < 1 {
				t.Errorf("partial file: %v", v)
			}
		})
	}
}

// failAfter sends n pattern frames, then cancels the run or fails.
type failAfter struct {
	n      int
	mode   string
	cancel func()
	err    error
}

func (f *failAfter) Run(ctx context.Context, out stage.Out[V]) error {
	pool, _ := frame.NewVideoPool(frame.I420, 160, 120)
	for i := range f.n {
		v := pool.Get()
		v.PTS, v.Duration = time.Duration(i)*time.Second/30, time.Second/30
		if !out.Send(v) {
			return ctx.Err()
		}
	}
	if f.mode == "cancel" {
		f.cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	return f.err
}

func TestDemuxReaderGarbage(t *testing.T) {
	noLeaks(t)
	_, _, err := demux(t, &ffmpeg.Demux{Reader: io.LimitReader(bytes.NewReader(bytes.Repeat([]byte{0x47, 1, 2, 3}, 4096)), 1<<14)}, true, true)
	if err == nil {
		t.Error("garbage from a reader demuxed without an error")
	}
}

// A Mux waiting for an input that never sends fails after MaxWait frames
// of the other, naming it, rather than holding frames without bound.
func TestMuxBoundsTheWaitForAnInput(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	vp, _ := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: h264AAC(t)}, true, false)
	// The silent source gives up after a second: the runner drains a failed
	// stage's inputs before it cancels the run, so a source that only waits
	// for ctx would never end (a core issue, reported).
	silent := stream.AddSource[A](g, "silent", stage.SourceFunc[A](func(ctx context.Context, _ stage.Out[A]) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
			return nil
		}
	}))
	ffmpeg.AddMux(g, "", &ffmpeg.Mux{URL: filepath.Join(t.TempDir(), "x.mkv"), MaxWait: 20}, vp, silent)
	err := g.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no audio frame after 20") {
		t.Errorf("err %v", err)
	}
}

func TestDemuxMissingStreamKind(t *testing.T) {
	noLeaks(t)
	audioOnly := media(t, "audio_only.m4a", "64x48", "0.5", "-vn", "-c:a", "aac")
	_, _, err := demux(t, &ffmpeg.Demux{URL: audioOnly}, true, false)
	if err == nil || !strings.Contains(err.Error(), "no video stream") {
		t.Errorf("err %v", err)
	}
	_, as, err := demux(t, &ffmpeg.Demux{URL: audioOnly}, true, true)
	if err != nil || len(as) == 0 {
		t.Errorf("video and audio wanted from an audio file: %v, %d audio frames", err, len(as))
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package network_test runs the network round trips of the backends
// against real servers started on loopback (package internal/servers):
// our sink → server → our source, and our sink → server → the ffmpeg CLI
// as the independent receiver. Streams are short (2-4 s): the whole
// package stays within about 90 s under -race.
package network_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/conformance"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"

	_ "github.com/spinorml/streamer/ffmpeg"
	_ "github.com/spinorml/streamer/gst"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The stream every publish sends: the core's live test pattern and tone.
const (
	width, height = 320, 240
	audioFrame    = 1024 * time.Second / 48000
)

var fps = frame.Rational{Num: 30, Den: 1}

// keyInterval is the key-frame interval of the live encodings
// (VideoEncoding.Live: one second).
const keyInterval = time.Second

// backends are the backends whose network cells run. A backend that
// cannot do a cell refuses it (media.ErrUnsupported, or another backend
// builds the stage) and the cell skips, naming the reason.
var backends = []string{"ffmpeg", "gst"}

// builtBy returns the backend whose package built v ("ffmpeg", "gst"),
// looking under package media's live wrappers of inputs and outputs.
func builtBy(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct && rv.Elem().Type().PkgPath() == reflect.TypeFor[media.Input]().PkgPath() {
			inner := rv.Elem().FieldByName("d") // an input's
			if !inner.IsValid() {
				inner = rv.Elem().FieldByName("m") // an output's
			}
			if inner.IsValid() && inner.Kind() == reflect.Interface && !inner.IsNil() {
				rv = inner.Elem()
				continue
			}
		}
		rv = rv.Elem()
	}
	p := rv.Type().PkgPath()
	return p[strings.LastIndex(p, "/")+1:]
}

// need skips t unless backend built v, with the backend's own reason
// (why, which asks it alone).
func need(t *testing.T, backend string, v any, job string, why func(media.Backend) error) {
	t.Helper()
	if got := builtBy(v); got != backend {
		reason := "no reason given"
		if b, ok := media.Lookup(backend); ok {
			if err := why(b); err != nil {
				reason = err.Error()
			}
		}
		t.Skipf("%s: %s refused it (%s; %s built it)", job, backend, reason, got)
	}
}

// published is what a publish sent.
type published struct {
	video, audio uint64
	err          error
}

// publish starts a live pattern + tone → H.264/AAC with live settings →
// out on backend, and returns a function that stops it gracefully and
// reports what it sent.
func publish(t *testing.T, backend string, out media.Output) (stop func() published) {
	t.Helper()
	out.Video, out.Audio = frame.H264, frame.AAC
	ve := media.VideoEncoding{Codec: frame.H264, Threads: 2}.Live(fps)
	venc, err := media.NewVideoEncoder(ve, backend)
	if err != nil {
		t.Fatal(err)
	}
	aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.AAC}, backend)
	if err != nil {
		t.Fatal(err)
	}
	mux, err := media.Create(out, backend)
	if err != nil {
		if strings.Contains(err.Error(), "unsupported") {
			t.Skipf("%s: %v", backend, err)
		}
		t.Fatal(err)
	}
	need(t, backend, mux, "write "+out.URL, func(b media.Backend) error {
		if b.Write == nil {
			return fmt.Errorf("it writes nothing")
		}
		_, err := b.Write(out)
		return err
	})
	g := stream.New()
	video := stream.AddSource(g, "pattern", &stage.Pattern{Width: width, Height: height, FPS: fps, Live: true})
	audio := stream.AddSource(g, "sine", &stage.Sine{Samples: 1024, Live: true})
	ev := stream.AddTransform(g, "video-encoder", video, venc)
	ea := stream.AddTransform(g, "audio-encoder", audio, aenc)
	media.AddOutput(g, "output", mux, ev, ea)
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background()) }()
	return func() published {
		g.StopWithin(10 * time.Second)
		err := <-done
		return published{video: ev.Stats().Received, audio: ea.Stats().Received, err: err}
	}
}

// pulled is what a pull received.
type pulled struct {
	path         string
	video, audio uint64
	err          error
	demuxer      media.Demuxer
}

// pull opens in on backend, writes what it receives into an MPEG-TS file
// (stream copy) until stop, and returns it.
func pull(t *testing.T, backend string, in media.Input) (stop func() pulled) {
	t.Helper()
	d, err := media.Open(in, backend)
	if err != nil {
		t.Fatal(err)
	}
	return pullFrom(t, backend, d, in)
}

// pullFrom is pull of in, opened as d.
func pullFrom(t *testing.T, backend string, d media.Demuxer, in media.Input) (stop func() pulled) {
	t.Helper()
	need(t, backend, d, "open "+in.URL, func(b media.Backend) error {
		if b.Open == nil {
			return fmt.Errorf("it opens nothing")
		}
		_, err := b.Open(in) // a refusal: nothing was opened
		return err
	})
	path := filepath.Join(t.TempDir(), "pulled.ts")
	g := stream.New()
	v, a := media.AddInput(g, "input", d)
	mux, err := media.Create(media.Output{URL: path}, backend)
	if err != nil {
		t.Fatal(err)
	}
	media.AddOutput(g, "output", mux, v, a)
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background()) }()
	return func() pulled {
		g.StopWithin(10 * time.Second)
		err := <-done
		p := pulled{path: path, err: err, demuxer: d}
		if v != nil {
			p.video = v.Stats().Received
		}
		if a != nil {
			p.audio = a.Stats().Received
		}
		return p
	}
}

// ffmpegPullTo receives url with the ffmpeg CLI for d into path (stream
// copy), as an independent receiver, and returns path and what the CLI
// printed.
func ffmpegPullTo(ctx context.Context, url string, d time.Duration, path string, extra ...string) (string, []byte, error) {
	args := append([]string{"-nostdin", "-v", "error", "-y"}, extra...)
	args = append(args, "-i", url, "-c", "copy", "-t", fmt.Sprint(d.Seconds()), path)
	out, err := exec.CommandContext(ctx, "ffmpeg", args...).CombinedOutput()
	return path, out, err
}

func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: the suite checks what it receives with it", tool)
		}
	}
}

// checkReceived probes a received file: H.264 320x240 and AAC, at least
// lo video frames, at most hi, decode timestamps increasing, and audio
// starting within maxOffset of video, or up to a key-frame interval more
// before it (a receiver that joins mid-stream starts audio at once and
// video at the next key frame).
func checkReceived(t *testing.T, path string, lo, hi int, maxOffset time.Duration) *conformance.File {
	t.Helper()
	f, err := conformance.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	v, okV := f.Video()
	a, okA := f.Audio()
	if !okV || !okA {
		t.Fatalf("%s: streams %+v: want video and audio", path, f.Streams)
	}
	if v.Codec != "h264" || v.Width != width || v.Height != height || a.Codec != "aac" {
		t.Errorf("%s: %s %dx%d + %s; want h264 %dx%d + aac", path, v.Codec, v.Width, v.Height, a.Codec, width, height)
	}
	if v.Frames < lo || v.Frames > hi {
		t.Errorf("%s: %d video frames decoded, want %d to %d", path, v.Frames, lo, hi)
	}
	// Decode timestamps increasing per stream. (Not conformance.Check's
	// frame grid: a stream received over RTP is timed by its sender's
	// clock, a live GStreamer source's by the wall clock.)
	for _, s := range []conformance.Stream{v, a} {
		ps := f.PacketsOf(s.Index)
		for i := 1; i < len(ps); i++ {
			if ps[i].DTS <= ps[i-1].DTS {
				t.Errorf("%s: %s packet %d: DTS %v after %v", path, s.Type, i, ps[i].DTS, ps[i-1].DTS)
				break
			}
		}
	}
	vp, ap := f.PacketsOf(v.Index), f.PacketsOf(a.Index)
	t.Logf("%s: %d video frames decoded, %d audio packets", filepath.Base(path), v.Frames, len(ap))
	if len(vp) > 0 && len(ap) > 0 {
		first := func(ps []conformance.Packet) time.Duration {
			m := ps[0].PTS
			for _, p := range ps {
				m = min(m, p.PTS)
			}
			return m
		}
		if off := first(ap) - first(vp); off < -maxOffset-keyInterval || off > maxOffset {
			t.Errorf("%s: audio starts %v after video, want from -%v to %v", path, off, maxOffset+keyInterval, maxOffset)
		}
	}
	return f
}

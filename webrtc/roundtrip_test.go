// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spinorml/streamer/conformance"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"

	_ "github.com/spinorml/streamer/ffmpeg"
)

const (
	rtFrames = 90 // 3 s at 30 fps
	rtWidth  = 320
	rtHeight = 240
)

var rtFPS = frame.Rational{Num: 30, Den: 1}

// addLiveSource adds a live test pattern and tone, encoded by the ffmpeg
// backend for WebRTC (H.264 without B-frames, a key frame a second, Opus),
// to g.
func addLiveSource(t *testing.T, g *stream.Graph, video frame.Format) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio]) {
	t.Helper()
	venc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: video, Preset: media.PresetFastest, LowLatency: true,
		KeyframeInterval: 30, Rate: media.CBR, Bitrate: 500_000}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.Opus, Bitrate: 64000, Rate: 48000, Channels: 2}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	v := stream.AddTransform(g, "video-encoder",
		stream.AddSource(g, "pattern", &stage.Pattern{Width: rtWidth, Height: rtHeight, FPS: rtFPS, Frames: rtFrames, Live: true}), venc)
	tone := &stage.Sine{Samples: 960, Frames: int(math.Round(float64(rtFrames) / 30 * 48000 / 960)), Live: true}
	a := stream.AddTransform(g, "audio-encoder", stream.AddSource(g, "sine", tone), aenc)
	return v, a
}

func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffprobe", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: it checks the output", tool)
		}
	}
}

// record adds d to a graph that writes it to path, and returns the graph.
func record(t *testing.T, d media.Demuxer, path string) *stream.Graph {
	t.Helper()
	s := d.Streams()
	mux, err := media.Create(media.Output{URL: path, Video: s.Video, Audio: s.Audio}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	v, a := media.AddInput(g, "input", d)
	media.AddOutput(g, "output", mux, v, a)
	return g
}

// tap adds a tee to each pipe and records one branch to path, written
// by the ffmpeg backend: the stream as sent, to compare with what arrives.
func tap(t *testing.T, g *stream.Graph, v *stream.Pipe[frame.Video], a *stream.Pipe[frame.Audio], path string, video frame.Format) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio]) {
	t.Helper()
	mux, err := media.Create(media.Output{URL: path, Video: video, Audio: frame.Opus}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	vs, as := stream.AddTee(g, "video-tee", v, 2), stream.AddTee(g, "audio-tee", a, 2)
	media.AddOutput(g, "sent", mux, vs[1], as[1])
	return vs[0], as[0]
}

// avOffset returns when audio starts after video in a probed file.
func avOffset(t *testing.T, path string) (conformance.Stream, conformance.Stream, time.Duration) {
	t.Helper()
	f, err := conformance.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := f.Video()
	if !ok {
		t.Fatalf("%s: no video stream", path)
	}
	a, ok := f.Audio()
	if !ok {
		t.Fatalf("%s: no audio stream", path)
	}
	return v, a, a.StartTime - v.StartTime
}

// checkRecording probes path: the codec at the pattern's size, Opus, a
// frame count that lost at most lose frames, and audio starting after
// video as it did in sent, the same stream recorded before it was sent,
// within one Opus frame (20 ms): RTP does not carry Opus's pre-skip
// (RFC 7587), so the received file starts its audio the encoder's
// priming (6.5 ms for libopus) earlier than the sent one, as a browser
// plays it.
func checkRecording(t *testing.T, path, sent string, codec string, lose int) {
	t.Helper()
	_, _, sentOffset := avOffset(t, sent)
	v, a, offset := avOffset(t, path)
	t.Logf("%s: video %s %dx%d %d frames from %v; audio %s %d Hz %d frames from %v", filepath.Base(path),
		v.Codec, v.Width, v.Height, v.Frames, v.StartTime, a.Codec, a.SampleRate, a.Frames, a.StartTime)
	if v.Codec != codec || v.Width != rtWidth || v.Height != rtHeight {
		t.Errorf("video %s %dx%d, want %s %dx%d", v.Codec, v.Width, v.Height, codec, rtWidth, rtHeight)
	}
	if v.Frames < rtFrames-lose || v.Frames > rtFrames {
		t.Errorf("%d video frames, want %d less at most %d", v.Frames, rtFrames, lose)
	}
	if a.Codec != "opus" || a.SampleRate != 48000 {
		t.Errorf("audio %s %d Hz, want opus 48000 Hz", a.Codec, a.SampleRate)
	}
	t.Logf("audio starts %v after video; as sent: %v", offset, sentOffset)
	if d := offset - sentOffset; d < -20*time.Millisecond || d > 20*time.Millisecond {
		t.Errorf("audio starts %v after video, sent %v after it: want the same within 20 ms", offset, sentOffset)
	}
	wantAudio := int(float64(v.Frames)/30*50) - 10
	if a.Frames < wantAudio {
		t.Errorf("%d audio frames for %d video frames, want %d or more", a.Frames, v.Frames, wantAudio)
	}
}

// TestWHEPEndpointRoundTrip: pattern + tone → ffmpeg (H.264, VP8, VP9;
// Opus) → Endpoint on an HTTP server → Client (WHEP) → a file, checked
// by ffprobe against the same stream recorded before it was sent. The
// client joins before the first frame, so nothing may be lost.
func TestWHEPEndpointRoundTrip(t *testing.T) {
	needTools(t)
	for _, c := range []struct {
		video frame.Format
		ext   string
		name  string
	}{{frame.H264, ".mkv", "h264"}, {frame.VP8, ".webm", "vp8"}, {frame.VP9, ".webm", "vp9"}} {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.video != frame.H264 {
				t.Skip("-short: H.264 only")
			}
			frametest.NoLeaks(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			opts := Options{Loopback: true}
			ep, srv := serveEndpoint(t, opts, c.video)

			client, err := Dial(ctx, srv.URL+"/whep", opts, false, false)
			if err != nil {
				t.Fatal(err)
			}
			if s := client.Streams(); s.Video != c.video || s.Audio != frame.Opus {
				client.Close()
				t.Fatalf("streams %v, want %v and Opus", s, c.video)
			}
			out := filepath.Join(t.TempDir(), "whep"+c.ext)
			rec := record(t, client, out)
			recDone := runAsync(ctx, rec)
			waitViewers(t, ep, 1, recDone)

			g := stream.New()
			v, a := addLiveSource(t, g, c.video)
			sent := filepath.Join(t.TempDir(), "sent"+c.ext)
			v, a = tap(t, g, v, a, sent, c.video)
			media.AddOutput(g, "endpoint", ep, v, a)
			start := time.Now()
			if err := g.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-recDone; err != nil {
				t.Fatal(err)
			}
			t.Logf("sent and received in %v", time.Since(start).Round(time.Millisecond))
			if by := client.AlignedBy(); by != AlignedBySenderReports {
				t.Errorf("aligned by %q, want the endpoint's sender reports", by)
			}
			checkRecording(t, out, sent, c.name, 0)
		})
	}
}

// serveEndpoint serves an Endpoint of video and Opus on an HTTP server,
// both closed when the test ends.
func serveEndpoint(t *testing.T, opts Options, video frame.Format) (*Endpoint, *httptest.Server) {
	ep, err := NewEndpoint(EndpointOptions{Options: opts, Video: video, Audio: frame.Opus})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = ep.Close() })
	return ep, srv
}

// runAsync runs g on a goroutine; the channel gets what Run returns.
func runAsync(ctx context.Context, g *stream.Graph) <-chan error {
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	return done
}

// waitViewers waits until ep has n viewers connected, or a recording
// ends first.
func waitViewers(t *testing.T, ep *Endpoint, n int, done <-chan error) {
	t.Helper()
	for ep.Viewers() < n {
		select {
		case err := <-done:
			t.Fatalf("a viewer ended before connecting: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestWHEPEndpointViewers: two viewers, one from the start and one that
// joins a second in. The late one starts at the next key frame (a key
// frame a second: at most 30 + the join's own frames lost) with its
// audio, and ending the stream ends both.
func TestWHEPEndpointViewers(t *testing.T) {
	needTools(t)
	frametest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := Options{Loopback: true}
	ep, srv := serveEndpoint(t, opts, frame.H264)
	dir := t.TempDir()
	view := func(name string) <-chan error {
		c, err := Dial(ctx, srv.URL+"/whep", opts, false, false)
		if err != nil {
			t.Fatal(err)
		}
		rec := record(t, c, filepath.Join(dir, name))
		done := make(chan error, 1)
		go func() { done <- rec.Run(ctx) }()
		return done
	}
	first := view("first.mkv")
	waitViewers(t, ep, 1, first)

	g := stream.New()
	v, a := addLiveSource(t, g, frame.H264)
	sent := filepath.Join(dir, "sent.mkv")
	v, a = tap(t, g, v, a, sent, frame.H264)
	media.AddOutput(g, "endpoint", ep, v, a)
	graph := make(chan error, 1)
	go func() { graph <- g.Run(ctx) }()
	time.Sleep(time.Second) // into the stream: the join's point, not an assertion
	late := view("late.mkv")
	if err := <-graph; err != nil {
		t.Fatal(err)
	}
	for _, done := range []<-chan error{first, late} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	checkRecording(t, filepath.Join(dir, "first.mkv"), sent, "h264", 0)
	f, err := conformance.Probe(ctx, filepath.Join(dir, "late.mkv"))
	if err != nil {
		t.Fatal(err)
	}
	lv, _ := f.Video()
	la, _ := f.Audio()
	t.Logf("late viewer: %d video frames from %v, %d audio frames from %v", lv.Frames, lv.StartTime, la.Frames, la.StartTime)
	if lv.Frames < 30 || lv.Frames > 60 || lv.Frames%30 != 0 {
		t.Errorf("late viewer: %d video frames, want the GOPs after its join (30 or 60)", lv.Frames)
	}
	if la.Frames < lv.Frames*50/30-5 {
		t.Errorf("late viewer: %d audio frames for %d video frames", la.Frames, lv.Frames)
	}
	if d := la.StartTime - lv.StartTime; d < -20*time.Millisecond || d > 20*time.Millisecond {
		t.Errorf("late viewer: audio starts %v after video", d)
	}
}

// TestWHEPStalled: a stream that sends nothing fails the client with
// ErrStalled after its timeout, not a hang.
func TestWHEPStalled(t *testing.T) {
	frametest.NoLeaks(t)
	opts := Options{Loopback: true, Timeout: time.Second}
	_, srv := serveEndpoint(t, opts, frame.H264)
	c, err := Dial(context.Background(), srv.URL+"/whep", opts, false, false)
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	v, a := media.AddInput(g, "whep", c)
	stream.AddSink(g, "null-video", v, &stage.Null[frame.Video]{})
	stream.AddSink(g, "null-audio", a, &stage.Null[frame.Audio]{})
	err = g.Run(context.Background())
	if !errors.Is(err, ErrStalled) || !errors.Is(err, media.ErrTimeout) {
		t.Fatalf("err = %v, want ErrStalled and media.ErrTimeout", err)
	}
	t.Log(err)
}

// TestWHIPPublishRoundTrip: pattern + tone → ffmpeg → Publisher (WHIP) →
// Ingest on an HTTP server → MKV, checked by ffprobe. The publisher sends
// from the first frame, so nothing may be lost.
func TestWHIPPublishRoundTrip(t *testing.T) {
	needTools(t)
	frametest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := Options{Loopback: true}
	in, err := NewIngest(IngestOptions{Options: opts, Video: frame.H264, Audio: frame.Opus})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(in)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "whip.mkv")
	rec := record(t, in, out)
	recDone := runAsync(ctx, rec)

	// Through the registry, as an application would name it.
	pub, err := write(media.Output{URL: "whip+" + srv.URL + "/whip#loopback", Video: frame.H264, Audio: frame.Opus})
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	v, a := addLiveSource(t, g, frame.H264)
	sent := filepath.Join(t.TempDir(), "sent.mkv")
	v, a = tap(t, g, v, a, sent, frame.H264)
	media.AddOutput(g, "whip", pub, v, a)
	if err := g.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-recDone; err != nil {
		t.Fatal(err)
	}
	if by := in.AlignedBy(); by != AlignedBySenderReports {
		t.Errorf("aligned by %q, want the publisher's sender reports", by)
	}
	checkRecording(t, out, sent, "h264", 0)
}

// TestWHEPRefused: a server that answers 404 gives an error naming the URL
// and the status, at Open for a pull and in Run for a publish.
func TestWHEPRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := media.Open(media.Input{URL: "whep+" + srv.URL + "/nothing#loopback"}, "webrtc")
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	for _, want := range []string{srv.URL + "/nothing", "404"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	t.Log(err)

	// A publish to it fails in Run, naming the same.
	pub, err := NewPublisher(srv.URL+"/nothing", PublisherOptions{Options: Options{Loopback: true}, Video: frame.H264})
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	empty := stream.AddSource(g, "nothing", stage.SourceFunc[frame.Video](func(context.Context, stage.Out[frame.Video]) error { return nil }))
	media.AddOutput(g, "whip", pub, empty, nil)
	err = g.Run(context.Background())
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), srv.URL+"/nothing") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("publish: err = %v, want ErrRefused naming the URL and 404", err)
	}
	t.Log(err)
}

// TestWHEPReconnects: the server behind a WHEP URL ends its stream and a
// new one starts; media.Open's Reconnect runs the Client again, which
// opens a new session, and the recording goes on with timestamps that
// keep increasing.
func TestWHEPReconnects(t *testing.T) {
	needTools(t)
	frametest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := Options{Loopback: true}
	var current atomic.Pointer[Endpoint]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { current.Load().ServeHTTP(w, r) }))
	defer srv.Close()
	newEndpoint := func() *Endpoint {
		ep, err := NewEndpoint(EndpointOptions{Options: opts, Video: frame.H264, Audio: frame.Opus})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ep.Close() })
		current.Store(ep)
		return ep
	}
	first := newEndpoint()
	var events []media.Event
	var evMu sync.Mutex
	in, err := media.Open(media.Input{URL: "whep+" + srv.URL + "/whep#loopback", Timeout: 3 * time.Second,
		Reconnect: &media.Backoff{Initial: 100 * time.Millisecond, Max: 200 * time.Millisecond},
		OnEvent:   func(e media.Event) { evMu.Lock(); events = append(events, e); evMu.Unlock() }}, "webrtc")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "reconnected.mkv")
	rec := record(t, in, out)
	recCtx, stopRec := context.WithCancel(ctx)
	defer stopRec()
	recDone := runAsync(recCtx, rec)

	for i, ep := range []*Endpoint{first, nil} {
		if ep == nil {
			ep = newEndpoint() // the restarted server
		}
		waitViewers(t, ep, 1, recDone)
		g := stream.New()
		v, a := addLiveSource(t, g, frame.H264)
		media.AddOutput(g, "endpoint", ep, v, a)
		if err := g.Run(ctx); err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	// The second stream has ended too: the recording would wait for a
	// third. Cancelling it still finishes the file.
	ends := func() int {
		evMu.Lock()
		defer evMu.Unlock()
		n := 0
		for _, e := range events {
			if e.Kind == media.Reconnecting && errors.Is(e.Err, media.ErrEnded) {
				n++
			}
		}
		return n
	}
	for ends() < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	stopRec()
	if err := <-recDone; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	evMu.Lock()
	t.Logf("events: %v", events)
	evMu.Unlock()
	f, err := conformance.Probe(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := f.Video()
	a, _ := f.Audio()
	t.Logf("after a reconnect: %d video frames, %d audio frames", v.Frames, a.Frames)
	if v.Frames != 2*rtFrames {
		t.Errorf("%d video frames, want both streams' %d", v.Frames, 2*rtFrames)
	}
	var last time.Duration = -1
	for _, p := range f.PacketsOf(v.Index) {
		if p.PTS <= last {
			t.Fatalf("video PTS %v after %v: not increasing across the reconnect", p.PTS, last)
		}
		last = p.PTS
	}
}

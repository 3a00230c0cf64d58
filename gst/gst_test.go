// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	gogst "github.com/go-gst/go-gst/gst"
	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

func TestMain(m *testing.M) {
	if os.Getenv(leakChild) != "" {
		leakScenarios() // in a child process run by TestNoGStreamerObjectLeaks
		return
	}
	goleak.VerifyTestMain(m)
}

const leakChild = "STREAMER_GST_LEAK_CHILD"

// leakScenarios runs graphs that end every way a graph can (end of stream,
// cancel, error), then deinitialises GStreamer so its leaks tracer reports
// every object still alive.
func leakScenarios() {
	run := func(g *stream.Graph, timeout time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		fmt.Println("scenario:", g.Run(ctx))
	}
	enc, _ := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "ultrafast"})
	dec, _ := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264})
	run(stream.Connect(gst.NewSource[V]("videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240"),
		stream.Via[V](enc, dec), gst.NewSink[V]("fakesink")), 30*time.Second)
	run(stream.Connect(gst.NewSource[V]("videotestsrc is-live=true ! video/x-raw,width=320,height=240"),
		stream.Via[V](gst.NewTransform[V, V]("videoconvert ! video/x-raw,format=NV12")), gst.NewSink[V]("fakesink sync=true")), 300*time.Millisecond)
	run(stream.Connect(gst.NewSource[V]("videotestsrc ! video/x-raw,format=xRGB"), nil, gst.NewSink[V]("fakesink")), 30*time.Second)
	run(stream.Connect[V](&stage.Pattern{Width: 33, Height: 17, Frames: 10}, nil, gst.NewSink[V]("videoconvert ! fakesink")), 30*time.Second)
	enc2, _ := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "ultrafast"})
	run(stream.Connect(gst.NewSource[V]("videotestsrc ! video/x-raw,width=320,height=240"),
		stream.Via(enc2, stagetest.Transform(gst.NewTransform[V, V]("h264parse"), stagetest.Fault{K: 10})),
		gst.NewSink[V]("fakesink")), 30*time.Second)
	mediaLeakScenarios(run)
	fmt.Println("live handles:", frame.Live())
	gogst.Deinit()
}

// GStreamer's own leaks tracer, in a child process, sees no object left
// alive after graphs that ended, were cancelled, or failed.
func TestNoGStreamerObjectLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), leakChild+"=1", "GST_TRACERS=leaks", "GST_DEBUG=GST_TRACER:7", "GST_DEBUG_NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var alive []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "object-alive, type-name=(string)") && !strings.Contains(line, "%s") {
			alive = append(alive, line)
		}
		if strings.HasPrefix(line, "scenario:") || strings.HasPrefix(line, "live handles:") {
			t.Log(line)
		}
	}
	if !strings.Contains(string(out), "live handles: 0") {
		t.Errorf("frame handles leaked in the child")
	}
	if len(alive) > 0 {
		t.Fatalf("%d GStreamer objects alive at exit:\n%s", len(alive), strings.Join(alive, "\n"))
	}
}

type V = frame.Video
type A = frame.Audio

// noLeaks fails the test if frame handles made during it are still alive.
func noLeaks(t testing.TB) { t.Helper(); stagetest.NoLeaks(t) }

// noCopies fails the test if frame bytes were copied during it.
func noCopies(t *testing.T) {
	t.Helper()
	copied := frame.CopiedBytes()
	t.Cleanup(func() {
		if got := frame.CopiedBytes() - copied; got != 0 {
			t.Errorf("%d frame bytes copied, want none", got)
		}
	})
}

func TestVideoSourceCarriesCapsAndTimestamps(t *testing.T) {
	noLeaks(t)
	noCopies(t)
	src := gst.NewSource[V]("videotestsrc num-buffers=30 ! video/x-raw,format=I420,width=320,height=240,framerate=30/1")
	sink := &stage.Collect[V]{}
	defer sink.Release()
	if err := stream.Connect(src, nil, sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	frames := sink.Frames()
	if len(frames) != 30 {
		t.Fatalf("got %d frames, want 30", len(frames))
	}
	for i, v := range frames {
		want := time.Duration(i) * time.Second / 30
		if v.Format != frame.I420 || v.Width != 320 || v.Height != 240 || v.Strides != [4]int{320, 160, 160} ||
			v.PTS != want || v.Duration < 33*time.Millisecond || !v.Keyframe {
			t.Fatalf("frame %d: %v strides %v dur %v", i, v, v.Strides, v.Duration)
		}
		if v.Data.Location() != frame.Mapped || v.Data.Size() != 320*240*3/2 {
			t.Fatalf("frame %d: location %v size %d", i, v.Data.Location(), v.Data.Size())
		}
	}
	planes, err := frames[0].Planes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(planes) != 3 || len(planes[0]) != 320*240 || len(planes[1]) != 160*120 {
		t.Fatalf("plane sizes %d %d", len(planes[0]), len(planes[1]))
	}
	// videotestsrc's default pattern starts with white: luma 235.
	if planes[0][0] != 235 {
		t.Fatalf("first luma byte %d, want 235", planes[0][0])
	}
}

func TestAudioSource(t *testing.T) {
	noLeaks(t)
	src := gst.NewSource[A]("audiotestsrc num-buffers=10 samplesperbuffer=960 ! audio/x-raw,format=S16LE,rate=48000,channels=2")
	sink := &stage.Collect[A]{}
	defer sink.Release()
	if err := stream.Connect(src, nil, sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	frames := sink.Frames()
	if len(frames) != 10 {
		t.Fatalf("got %d frames", len(frames))
	}
	for i, a := range frames {
		if a.Format != frame.S16 || a.Rate != 48000 || a.Channels != 2 || a.Samples != 960 ||
			a.PTS != time.Duration(i)*20*time.Millisecond || a.Size() != 960*4 {
			t.Fatalf("frame %d: %v size %d", i, a, a.Size())
		}
	}
}

func TestBadDescriptionsAreClearErrors(t *testing.T) {
	noLeaks(t)
	run := func(desc string) error {
		return stream.Connect(gst.NewSource[V](desc), nil, &stage.Null[V]{}).Run(context.Background())
	}
	err := run("videotestsrc ! nosuchelement")
	if !errors.Is(err, gst.ErrMissingElement) || !strings.Contains(err.Error(), `"nosuchelement"`) {
		t.Errorf("unknown element: %v", err)
	}
	err = run("videotestsrc ! x264enc ! nosuchparse")
	if !strings.Contains(err.Error(), "nosuchparse") {
		t.Errorf("unknown element: %v", err)
	}
	err = run("videotestsrc ! ! fakesink")
	if err == nil || !strings.Contains(err.Error(), "invalid launch description") {
		t.Errorf("bad syntax: %v", err)
	}
	// videotestsrc can make xRGB, which streamer has no format for.
	err = run("videotestsrc num-buffers=5 ! video/x-raw,format=xRGB")
	if !errors.Is(err, gst.ErrNotNegotiated) || !strings.Contains(err.Error(), "xRGB") || !strings.Contains(err.Error(), "I420") {
		t.Errorf("not negotiated: %v", err)
	}
	var se *stream.StageError
	if !errors.As(err, &se) || se.Stage != "gst-source" {
		t.Errorf("not a StageError naming the stage: %v", err)
	}
}

func TestMissingElementNamesThePackage(t *testing.T) {
	if gst.HasElement("rav1enc") {
		t.Skip("rav1enc is installed")
	}
	err := stream.Connect(gst.NewSource[V]("videotestsrc ! rav1enc"), nil, &stage.Null[V]{}).Run(context.Background())
	if !strings.Contains(err.Error(), "gstreamer1.0-plugins-rs") {
		t.Fatalf("error does not name the package: %v", err)
	}
}

// A GstBuffer goes through a gst transform and comes out as the same
// memory: the hop copies nothing.
func TestGstToGstHopIsZeroCopy(t *testing.T) {
	noLeaks(t)
	noCopies(t)
	g := stream.New()
	src := stream.AddSource(g, "src", gst.NewSource[V]("videotestsrc num-buffers=20 ! video/x-raw,format=I420,width=64,height=48"))
	branches := stream.AddTee(g, "tee", src, 2, stream.Capacity(32))
	through := stream.AddTransform(g, "identity", branches[1], gst.NewTransform[V, V]("identity"), stream.Capacity(32))
	direct, via := &stage.Collect[V]{}, &stage.Collect[V]{}
	defer direct.Release()
	defer via.Release()
	stream.AddSink(g, "direct", branches[0], direct)
	stream.AddSink(g, "via", through, via)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, b := direct.Frames(), via.Frames()
	if len(a) != 20 || len(b) != 20 {
		t.Fatalf("got %d and %d frames", len(a), len(b))
	}
	for i := range a {
		pa, _ := a[i].Planes(context.Background())
		pb, _ := b[i].Planes(context.Background())
		if unsafe.SliceData(pa[0]) != unsafe.SliceData(pb[0]) || a[i].PTS != b[i].PTS {
			t.Fatalf("frame %d came out of identity in other memory", i)
		}
	}
}

// CPU frames from the core's pool are one block of memory: a gst sink wraps
// them without a copy.
func TestCPUFramesIntoASinkAreWrapped(t *testing.T) {
	noLeaks(t)
	noCopies(t)
	src := &stage.Pattern{Width: 320, Height: 240, Frames: 20}
	if err := stream.Connect(src, nil, gst.NewSink[V]("fakesink")).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Odd sizes have a tight layout unlike GStreamer's (rows padded to 4
// bytes): the frames are described by video meta, and still not copied.
func TestOddSizeCPUFramesKeepTheirLayout(t *testing.T) {
	noLeaks(t)
	noCopies(t)
	src := &stage.Pattern{Width: 33, Height: 17, Frames: 5}
	sink := &stage.Collect[V]{}
	defer sink.Release()
	scale := gst.NewTransform[V, V]("videoconvert ! video/x-raw,format=RGBA")
	if err := stream.Connect(src, stream.Via[V](scale), sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	frames := sink.Frames()
	if len(frames) != 5 || frames[0].Format != frame.RGBA || frames[0].Width != 33 {
		t.Fatalf("got %d frames: %v", len(frames), frames)
	}
}

func TestTransformScalesAndConverts(t *testing.T) {
	noLeaks(t)
	src := &stage.Pattern{Width: 320, Height: 240, Frames: 15}
	scale := gst.NewTransform[V, V]("videoconvert ! videoscale ! video/x-raw,format=NV12,width=160,height=120")
	sink := &stage.Collect[V]{}
	defer sink.Release()
	if err := stream.Connect(src, stream.Via[V](scale), sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	frames := sink.Frames()
	if len(frames) != 15 {
		t.Fatalf("got %d frames", len(frames))
	}
	for i, v := range frames {
		if v.Format != frame.NV12 || v.Width != 160 || v.Height != 120 || v.PTS != time.Duration(i)*time.Second/30 {
			t.Fatalf("frame %d: %v", i, v)
		}
	}
}

func ffprobe(t *testing.T, path string, entries string) string {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", entries, "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestSinkFinishesTheFile(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "out.mp4")
	src := &stage.Pattern{Width: 320, Height: 240, Frames: 45}
	sink := gst.NewSink[V]("videoconvert ! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=" + path)
	if err := stream.Connect(src, nil, sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ffprobe(t, path, "stream=codec_name,width,height,nb_read_frames"); got != "h264,320,240,45" {
		t.Fatalf("ffprobe: %s", got)
	}
}

func TestCancelStopsPipelinesAndReleasesEverything(t *testing.T) {
	noLeaks(t)
	g := stream.Connect(gst.NewSource[V]("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=100/1"),
		stream.Via[V](gst.NewTransform[V, V]("videoconvert ! video/x-raw,format=NV12")),
		gst.NewSink[V]("fakesink sync=true"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	cancel()
	t0 := time.Now()
	err := <-done
	t.Logf("Run returned %v after cancel", time.Since(t0))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("Run took %v after cancel", d)
	}
	if m := g.Metrics(); m[2].In == 0 {
		t.Fatalf("nothing reached the sink: %v", m)
	}
}

// Frames whose size changes mid-stream renegotiate the transform's caps.
func TestTransformRenegotiatesWhenFramesChange(t *testing.T) {
	noLeaks(t)
	src := stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
		for _, p := range []*stage.Pattern{{Width: 320, Height: 240, Frames: 5}, {Width: 160, Height: 120, Frames: 5}} {
			if err := p.Run(ctx, out); err != nil {
				return err
			}
		}
		return nil
	})
	conv := gst.NewTransform[V, V]("videoconvert ! video/x-raw,format=RGBA")
	sink := &stage.Collect[V]{}
	defer sink.Release()
	if err := stream.Connect(src, stream.Via[V](conv), sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	frames := sink.Frames()
	if len(frames) != 10 || frames[0].Width != 320 || frames[9].Width != 160 || frames[9].Format != frame.RGBA {
		t.Fatalf("got %d frames: first %v, last %v", len(frames), frames[0], frames[len(frames)-1])
	}
	planes, _ := frames[9].Planes(context.Background())
	if len(planes[0]) != 160*120*4 {
		t.Fatalf("last frame has %d bytes", len(planes[0]))
	}
}

// Planes in separate allocations cannot be wrapped as one GstBuffer: they
// are copied once, and the copy is counted.
func TestScatteredCPUPlanesAreCopiedOnceAndCounted(t *testing.T) {
	noLeaks(t)
	const w, h = 64, 48
	src := stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
		for i := range 3 {
			y, u, v := make([]byte, w*h), make([]byte, w*h/4), make([]byte, w*h/4)
			for j := range y {
				y[j] = byte(16 + i)
			}
			for j := range u {
				u[j], v[j] = 128, 128
			}
			f := V{Data: frame.NewBytes(y, u, v), Format: frame.I420, Width: w, Height: h, Strides: [4]int{w, w / 2, w / 2}, Keyframe: true}
			if !out.Send(f) {
				return ctx.Err()
			}
		}
		return nil
	})
	copied := frame.CopiedBytes()
	conv := gst.NewTransform[V, V]("identity")
	sink := &stage.Collect[V]{}
	defer sink.Release()
	if err := stream.Connect(src, stream.Via[V](conv), sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := frame.CopiedBytes() - copied; got != 3*w*h*3/2 {
		t.Fatalf("copied %d bytes, want %d", got, 3*w*h*3/2)
	}
	for i, f := range sink.Frames() {
		planes, _ := f.Planes(context.Background())
		if planes[0][0] != byte(16+i) || planes[1][0] != 128 || len(planes[0]) != w*h {
			t.Fatalf("frame %d: bytes %d %d", i, planes[0][0], planes[1][0])
		}
	}
}

// A reader that stops early ends a transform quietly, stopping its
// pipeline, even while the upstream is endless.
func TestTransformWithAReaderThatStopsEarly(t *testing.T) {
	noLeaks(t)
	sink := &stage.Collect[V]{Max: 5}
	defer sink.Release()
	src := gst.NewSource[V]("videotestsrc ! video/x-raw,width=160,height=120")
	conv := gst.NewTransform[V, V]("videoconvert ! video/x-raw,format=NV12")
	if err := stream.Connect(src, stream.Via[V](conv), sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sink.Frames()) != 5 {
		t.Fatalf("got %d frames", len(sink.Frames()))
	}
}

// Cancelling a sink whose pipeline is stalled (a clock-synced sink with
// frames far in the future, so the appsrc is full and a push blocks) still
// returns promptly: the appsrc's stream is ended on cancel.
func TestCancelASinkBlockedInPush(t *testing.T) {
	noLeaks(t)
	stretch := stage.Map(func(_ context.Context, v V) (V, error) { v.PTS *= 300; v.DTS = v.PTS; return v, nil })
	g := stream.Connect[V](&stage.Pattern{Width: 64, Height: 48, Frames: 50}, stream.Via(stretch), gst.NewSink[V]("fakesink sync=true"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	cancel()
	t0 := time.Now()
	select {
	case err := <-done:
		t.Logf("returned %v after cancel", time.Since(t0))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
		if d := time.Since(t0); d > 3*time.Second { // the first frame waits 10 s for its clock time
			t.Fatalf("Run returned %v after cancel", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run hung after cancel")
	}
}

// A recording cancelled mid-stream is a finished, playable file holding
// the frames encoded so far.
func TestCancelledRecordingIsPlayable(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "rec.mp4")
	src := &stage.Pattern{Width: 160, Height: 120, Live: true} // endless, in real time
	sink := gst.NewSink[V]("videoconvert ! x264enc speed-preset=ultrafast tune=zerolatency ! mp4mux ! filesink location=" + path)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	g := stream.Connect[V](src, nil, sink)
	if err := g.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run: %v", err)
	}
	sent := g.Metrics()[1].In
	got := ffprobe(t, path, "stream=codec_name,nb_read_frames")
	t.Logf("sink took %d frames; ffprobe: %s", sent, got)
	if !strings.HasPrefix(got, "h264,") || got == "h264,0" {
		t.Fatalf("the cancelled recording does not play: %q", got)
	}
	if n, _ := strconv.Atoi(strings.TrimPrefix(got, "h264,")); uint64(n) != sent {
		t.Fatalf("the file holds %d frames, the sink took %d", n, sent)
	}
}

// When the source fails mid-stream, the file the sink was writing is still
// finished and holds every frame the sink took.
func TestUpstreamFailureLeavesAPlayableFile(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "rec.mkv")
	src := stagetest.Source[V](&stage.Pattern{Width: 160, Height: 120}, stagetest.Fault{K: 40})
	sink := gst.NewSink[V]("videoconvert ! x264enc speed-preset=ultrafast tune=zerolatency ! matroskamux ! filesink location=" + path)
	g := stream.Connect(src, nil, sink)
	if err := g.Run(context.Background()); !errors.Is(err, stagetest.ErrInjected) {
		t.Fatalf("Run: %v", err)
	}
	took := g.Metrics()[1].In
	got := ffprobe(t, path, "stream=codec_name,nb_read_frames")
	t.Logf("sink took %d frames; ffprobe: %s", took, got)
	if n, _ := strconv.Atoi(strings.TrimPrefix(got, "h264,")); took == 0 || uint64(n) != took {
		t.Fatalf("the file holds %q, the sink took %d frames", got, took)
	}
}

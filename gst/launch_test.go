// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"errors"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func TestLaunchRunsToEOSWithEvents(t *testing.T) {
	var mu sync.Mutex
	var events []string
	pl, err := gst.Launch("videotestsrc num-buffers=50 ! video/x-raw,width=64,height=48 ! fakesink", func(e gst.Event) {
		mu.Lock()
		events = append(events, e.String())
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	if err := pl.Start(); err != nil {
		t.Fatal(err)
	}
	if err := pl.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pos, ok := pl.Position(); !ok || pos < time.Second {
		t.Errorf("position %v %v at the end of 50 frames at 30 fps", pos, ok)
	}
	pl.Stop()
	mu.Lock()
	defer mu.Unlock()
	got := strings.Join(events, "; ")
	for _, want := range []string{"state NULL -> READY", "state PAUSED -> PLAYING", "eos"} {
		if !strings.Contains(got, want) {
			t.Errorf("events lack %q: %s", want, got)
		}
	}
}

func TestLaunchErrors(t *testing.T) {
	pl, err := gst.Launch("filesrc location=/nonexistent/file.mp4 ! fakesink", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	err = pl.Start()
	if err == nil {
		err = pl.Wait(context.Background())
	}
	var ge *gst.Error
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "/nonexistent/file.mp4") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := gst.Launch("videotestsrc ! nosuchsink", nil); !errors.Is(err, gst.ErrMissingElement) {
		t.Fatalf("missing element: %v", err)
	}
}

// A pipeline's named appsink feeds a graph, and the graph feeds another
// pipeline's named appsrc.
func TestLaunchAppElementsAsStages(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "out.mkv")
	in, err := gst.Launch("videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120 ! appsink name=frames", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	out, err := gst.Launch("appsrc name=frames ! videoconvert ! x264enc speed-preset=ultrafast ! matroskamux ! filesink location="+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Stop()
	src, err := gst.AppSink[V](in, "frames")
	if err != nil {
		t.Fatal(err)
	}
	sink, err := gst.AppSrc[V](out, "frames")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	if err := out.Start(); err != nil {
		t.Fatal(err)
	}
	if err := stream.Connect(src, nil, sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := out.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	out.Stop()
	if got := ffprobe(t, path, "stream=codec_name,width,nb_read_frames"); got != "h264,160,30" {
		t.Fatalf("ffprobe: %s", got)
	}
}

func TestAppSinkNameErrors(t *testing.T) {
	pl, err := gst.Launch("videotestsrc num-buffers=1 ! fakesink name=notapp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	if _, err = gst.AppSink[V](pl, "nosuch"); err == nil || !strings.Contains(err.Error(), `no element named "nosuch"`) {
		t.Errorf("unknown name: %v", err)
	}
	if _, err = gst.AppSink[V](pl, "notapp"); err == nil || !strings.Contains(err.Error(), "is not an appsink") {
		t.Errorf("not an appsink: %v", err)
	}
	if _, err = gst.AppSrc[V](pl, "notapp"); err == nil || !strings.Contains(err.Error(), "is not an appsrc") {
		t.Errorf("not an appsrc: %v", err)
	}
}

func TestCameraWithoutDeviceFailsAtOnce(t *testing.T) {
	noLeaks(t)
	cam := &gst.Camera{Device: "/dev/video99"}
	start := time.Now()
	err := stream.Connect[V](cam, nil, &stage.Null[V]{}).Run(context.Background())
	if !errors.Is(err, gst.ErrNoCamera) || !strings.Contains(err.Error(), "/dev/video99") {
		t.Fatalf("Run: %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("took %v to fail", time.Since(start))
	}
	if len(gst.Cameras()) == 0 {
		_, err := (&gst.Camera{}).Description()
		if !errors.Is(err, gst.ErrNoCamera) || !strings.Contains(err.Error(), "/dev/video*") {
			t.Fatalf("default device: %v", err)
		}
	}
	desc, err := (&gst.Camera{Device: "/dev/null", Width: 640, Height: 480, FPS: frame.Rational{Num: 30, Den: 1}, Format: frame.MJPEG}).Description()
	if err != nil || desc != "v4l2src device=/dev/null ! image/jpeg,width=640,height=480,framerate=30/1" {
		t.Fatalf("description %q, %v", desc, err)
	}
}

// Video and audio into one MP4: both streams present, same duration.
func TestMuxSinkWritesVideoAndAudioInSync(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "av.mp4")
	g := stream.New()
	video := stream.AddSource(g, "video", &stage.Pattern{Width: 320, Height: 240, Frames: 60})
	audio := stream.AddSource(g, "audio", &stage.Sine{Samples: 1024, Frames: 94}) // 2.005 s
	mux := &gst.MuxSink{
		Video:  "videoconvert ! x264enc speed-preset=ultrafast ! h264parse",
		Audio:  "audioconvert ! avenc_aac ! aacparse",
		Muxer:  "mp4mux",
		Output: "filesink location=" + path,
	}
	g.Add("mux", func(ctx context.Context) error { return mux.Run(ctx, video.In(), audio.In()) }).Reads(video, audio)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("no ffprobe")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,duration", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	durs := map[string]float64{}
	for _, l := range lines {
		f := strings.Split(l, ",")
		if len(f) == 3 {
			durs[f[1]], _ = strconv.ParseFloat(f[2], 64)
		}
	}
	if len(durs) != 2 || durs["video"] < 1.9 || math.Abs(durs["video"]-durs["audio"]) > 1.0/30+0.03 {
		t.Fatalf("streams: %s", out)
	}
}

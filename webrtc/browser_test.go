// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spinorml/streamer/conformance"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// browserReport is what the player page posts each second.
type browserReport struct {
	Frames int    `json:"frames"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	State  string `json:"state"`
}

// TestBrowserPlaysEndpoint: headless Chromium opens the Endpoint's own
// player page, which pulls the stream by WHEP and shows it; the page
// reports the frames it showed and their size.
func TestBrowserPlaysEndpoint(t *testing.T) {
	needTools(t)
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed: it is the browser this test plays in")
	}
	frametest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	ep, err := NewEndpoint(EndpointOptions{Options: Options{Loopback: true}, Video: frame.H264, Audio: frame.Opus})
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan browserReport, 100)
	mux := http.NewServeMux()
	mux.Handle("/whep/", ep)
	mux.HandleFunc("/report", func(w http.ResponseWriter, r *http.Request) {
		var rep browserReport
		if json.NewDecoder(r.Body).Decode(&rep) == nil {
			select {
			case reports <- rep:
			default:
			}
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer ep.Close()

	exited, stop := startBrowser(ctx, t, chromium, srv.URL+"/whep/?report=/report", "--autoplay-policy=no-user-gesture-required")
	defer stop()
	waitViewers(t, ep, 1, exited)

	g := stream.New()
	v, a := addLiveSource(t, g, frame.H264)
	media.AddOutput(g, "endpoint", ep, v, a)
	if err := g.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// The page reports each second: the last report before the end.
	var last browserReport
	for len(reports) > 0 {
		last = <-reports
	}
	t.Logf("the browser showed %d frames of %dx%d, connection %s", last.Frames, last.Width, last.Height, last.State)
	if last.Width != rtWidth || last.Height != rtHeight || last.Frames < rtFrames/2 {
		t.Errorf("the browser showed %d frames of %dx%d, want most of %d at %dx%d", last.Frames, last.Width, last.Height, rtFrames, rtWidth, rtHeight)
	}
}

// TestBrowserPublishesToIngest: headless Chromium opens the Ingest's own
// publisher page and publishes its fake camera and microphone (its own
// H.264 and Opus encoders, its own RTCP) by WHIP; the graph records for
// five seconds, stopped gracefully, and ffprobe checks the file.
func TestBrowserPublishesToIngest(t *testing.T) {
	needTools(t)
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed: it is the browser this test publishes from")
	}
	frametest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	in, err := NewIngest(IngestOptions{Options: Options{Loopback: true}, Video: frame.H264, Audio: frame.Opus})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(in)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "browser.mkv")
	rec := record(t, in, out)

	_, stop := startBrowser(ctx, t, chromium, srv.URL+"/whip", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
	defer stop()
	// A graceful stop ends the recording: the browser would publish for ever.
	stopper := time.AfterFunc(5*time.Second, rec.Stop)
	defer stopper.Stop()
	if err := rec.Run(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := conformance.Probe(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := f.Video()
	a, _ := f.Audio()
	t.Logf("from the browser: video %s %dx%d %d frames from %v, audio %s %d frames from %v, aligned by %s",
		v.Codec, v.Width, v.Height, v.Frames, v.StartTime, a.Codec, a.Frames, a.StartTime, in.AlignedBy())
	if v.Codec != "h264" || v.Width == 0 || v.Frames < 20 || a.Codec != "opus" || a.Frames < 50 {
		t.Errorf("want H.264 video and Opus audio, seconds of each")
	}
}

// startBrowser starts headless Chromium on url, with flags, in its own
// process group and a fresh profile. The channel gets its exit; stop
// kills it, with the helper processes it started, and waits for it.
func startBrowser(ctx context.Context, t *testing.T, chromium, url string, flags ...string) (<-chan error, func()) {
	args := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + browserProfile(t)}, flags...)
	browser := exec.CommandContext(ctx, chromium, append(args, url)...)
	browser.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers die with it
	browser.Cancel = func() error { killGroup(browser); return nil }
	if err := browser.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- browser.Wait() }()
	return exited, func() {
		killGroup(browser)
		<-exited
	}
}

// killGroup kills a browser started in its own process group, with the
// renderer and utility processes it started, which would otherwise go on
// writing into its profile.
func killGroup(browser *exec.Cmd) {
	if browser.Process != nil {
		_ = syscall.Kill(-browser.Process.Pid, syscall.SIGKILL)
	}
}

// browserProfile is a fresh profile folder, removed after the test; a
// browser process that outlives the test may still write into it, so
// removal is retried and never fails the test.
func browserProfile(t *testing.T) string {
	dir, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package network_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/internal/servers"
	"github.com/spinorml/streamer/stream/media"
)

// Tolerances of a live round trip, documented in the package's tests:
//   - a receiver that joins a stream mid-way loses what comes before its
//     first key frame (up to one key-frame interval, 1 s here) and what is
//     in flight when it is stopped; so a receiver that pulled for d
//     decodes at least (d - 1 s) x 30 frames less a margin for a loaded
//     machine, and never more than the publisher sent;
//   - audio starts within half a second of video, or up to a key-frame
//     interval (1 s) more before it: a joiner starts audio at its next
//     packet and video at its next key frame.
const (
	pullFor   = 2 * time.Second
	minFrames = 15 // (2 s - 1 s) x 30, halved for a loaded CI machine
	maxOffset = 500 * time.Millisecond
)

// RTMP: our publish → nginx-rtmp → our pull and the ffmpeg CLI, at once.
func TestRTMP(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			frametest.NoLeaks(t)
			srv := servers.NginxRTMP(t)
			url := srv.RTMP("cam")
			stopPub := publish(t, b, media.Output{URL: url})
			time.Sleep(700 * time.Millisecond) // the publish is on the server
			cli := cliPull(t, url, pullFor, "-rw_timeout", "5000000")
			stopPull := pull(t, b, media.Input{URL: url, Timeout: 3 * time.Second})
			time.Sleep(pullFor)
			got := stopPull()
			cliPath := cli()
			sent := stopPub()
			if sent.err != nil || got.err != nil {
				t.Fatalf("publish: %v (%d frames); pull: %v (%d frames)", sent.err, sent.video, got.err, got.video)
			}
			checkReceived(t, got.path, minFrames, int(sent.video), maxOffset)
			checkReceived(t, cliPath, minFrames, int(sent.video), maxOffset)
			t.Logf("sent %d video and %d audio frames; pulled %d and %d", sent.video, sent.audio, got.video, got.audio)
		})
	}
}

// SRT: our publish → srt-live-transmit → our pull, then the ffmpeg CLI.
func TestSRT(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			frametest.NoLeaks(t)
			srv := servers.SRTRelay(t)
			stopPub := publish(t, b, media.Output{URL: srv.Publish()})
			time.Sleep(500 * time.Millisecond)
			stopPull := pull(t, b, media.Input{URL: srv.Play(), Timeout: 3 * time.Second})
			time.Sleep(pullFor)
			got := stopPull()
			cli := cliPull(t, srv.Play(), pullFor)
			cliPath := cli()
			sent := stopPub()
			if sent.err != nil || got.err != nil {
				t.Fatalf("publish: %v (%d frames); pull: %v (%d frames)", sent.err, sent.video, got.err, got.video)
			}
			checkReceived(t, got.path, minFrames, int(sent.video), maxOffset)
			checkReceived(t, cliPath, minFrames, int(sent.video), maxOffset)
			t.Logf("sent %d video and %d audio frames; pulled %d and %d", sent.video, sent.audio, got.video, got.audio)
		})
	}
}

// UDP and RTP: our publish (MPEG-TS, 1316-byte datagrams; in RTP for
// rtp://) → our pull, which binds the port first.
func TestUDP(t *testing.T) {
	needTools(t)
	// receiver is the backend that pulls: gst does not read udp:// or
	// rtp:// (it says why), so ffmpeg receives what gst sends there.
	for _, c := range []struct{ backend, scheme, receiver string }{
		{"ffmpeg", "udp", "ffmpeg"}, {"ffmpeg", "rtp", "ffmpeg"}, {"gst", "udp", "ffmpeg"}, {"gst", "rtp", "ffmpeg"},
	} {
		b := c.backend
		if !slices.Contains(backends, b) {
			continue
		}
		t.Run(b+"/"+c.scheme, func(t *testing.T) {
			frametest.NoLeaks(t)
			url := fmt.Sprintf("%s://127.0.0.1:%d", c.scheme, servers.FreeUDPPort(t))
			opened := make(chan error, 1)
			var d media.Demuxer
			go func() {
				var err error
				d, err = media.Open(media.Input{URL: url, Timeout: 5 * time.Second}, c.receiver)
				opened <- err
			}()
			time.Sleep(300 * time.Millisecond) // the receiver binds first
			stopPub := publish(t, b, media.Output{URL: url})
			if err := <-opened; err != nil {
				stopPub()
				t.Fatal(err)
			}
			stopPull := pullFrom(t, c.receiver, d, media.Input{URL: url})
			time.Sleep(pullFor)
			got := stopPull()
			sent := stopPub()
			if sent.err != nil || got.err != nil {
				t.Fatalf("publish: %v (%d frames); pull: %v (%d frames)", sent.err, sent.video, got.err, got.video)
			}
			checkReceived(t, got.path, minFrames, int(sent.video), maxOffset)
		})
	}
}

// RTSP: our publish (ANNOUNCE/RECORD) → the ffmpeg CLI listening as the
// server, and → gst-rtsp-server's RECORD mount; our pull from
// gst-rtsp-server's PLAY mount over TCP and UDP. A graceful stop of a
// publish or a pull ends its session with TEARDOWN.
func TestRTSP(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		t.Run(b+"/publish", func(t *testing.T) {
			frametest.NoLeaks(t)
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/live", servers.FreeTCPPort(t))
			cli := cliPull(t, url, pullFor, "-rtsp_flags", "listen")
			time.Sleep(500 * time.Millisecond) // ffmpeg listens
			stopPub := publish(t, b, media.Output{URL: url})
			cliPath := cli()
			sent := stopPub()
			// The CLI hangs up after -t: the publish fails, naming the URL.
			if sent.err != nil && !strings.Contains(sent.err.Error(), url) {
				t.Errorf("publish after the receiver left: %v; want an error naming %s", sent.err, url)
			}
			t.Logf("publish after the receiver left: %v", sent.err)
			checkReceived(t, cliPath, minFrames, int(sent.video), maxOffset)

			srv := servers.RTSPServer(t)
			stopPub = publish(t, b, media.Output{URL: srv.Record()})
			time.Sleep(time.Second)
			if sent := stopPub(); sent.err != nil || sent.video < 15 {
				t.Errorf("publish to gst-rtsp-server's RECORD mount: %d frames, %v", sent.video, sent.err)
			}
			if !srv.TornDown("/record", 2*time.Second) {
				t.Errorf("a graceful stop of the publish sent no TEARDOWN; the server logged:\n%s", srv.Log())
			}
		})
		for _, tr := range []media.Transport{media.TransportTCP, media.TransportUDP} {
			t.Run(b+"/pull-"+string(tr), func(t *testing.T) {
				frametest.NoLeaks(t)
				srv := servers.RTSPServer(t)
				stopPull := pull(t, b, media.Input{URL: srv.Play(), Transport: tr, Timeout: 5 * time.Second})
				time.Sleep(pullFor)
				got := stopPull()
				if got.err != nil {
					t.Fatal(got.err)
				}
				checkReceived(t, got.path, minFrames, 2*int(pullFor/time.Second)*30+30, maxOffset)
				if !srv.TornDown("/play", 2*time.Second) {
					t.Errorf("a graceful stop of the pull sent no TEARDOWN; the server logged:\n%s", srv.Log())
				}
			})
		}
	}
}

// HLS: our publish into a folder served by nginx, stopped gracefully: the
// playlist is finished (#EXT-X-ENDLIST) and holds every frame sent; our
// pull of it over HTTP gets them all.
func TestHLS(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			frametest.NoLeaks(t)
			srv := servers.NginxRTMP(t)
			dir := filepath.Join(srv.HLSDir, "ours") + "/"
			stopPub := publish(t, b, media.Output{URL: dir, SegmentDuration: time.Second})
			time.Sleep(2500 * time.Millisecond)
			sent := stopPub()
			if sent.err != nil {
				t.Fatal(sent.err)
			}
			playlist, _ := media.HLSPaths(media.Output{URL: dir})
			text, err := os.ReadFile(playlist)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(strings.TrimSpace(string(text)), "#EXT-X-ENDLIST") {
				t.Errorf("the playlist does not end with #EXT-X-ENDLIST:\n%s", text)
			}
			if n := strings.Count(string(text), "#EXTINF"); n < 2 {
				t.Errorf("%d segments for 2.5 s in 1 s segments:\n%s", n, text)
			}
			n := int(sent.video)
			checkReceived(t, playlist, n, n, maxOffset)

			// gst does not pull HLS (it says why): ffmpeg pulls what gst wrote.
			receiver := b
			if b == "gst" {
				receiver = "ffmpeg"
			}
			stopPull := pull(t, receiver, media.Input{URL: srv.HTTP() + "/hls/ours/index.m3u8"})
			time.Sleep(time.Second) // a finished playlist ends the input sooner
			got := stopPull()
			if got.err != nil {
				t.Fatal(got.err)
			}
			if got.video != sent.video {
				t.Errorf("pulled %d video frames over HTTP, the playlist holds %d", got.video, sent.video)
			}
		})
	}
}

// A server killed and restarted mid-stream: our puller, with Reconnect,
// retries with backoff, reports it, and resumes with timestamps that go on
// increasing; nothing leaks.
func TestRestart(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			frametest.NoLeaks(t)
			srv := servers.NginxRTMP(t)
			url := srv.RTMP("restart")
			pub := cliPublish(t, url)
			time.Sleep(700 * time.Millisecond)
			var mu sync.Mutex
			var events []media.Event
			reconnected := make(chan struct{}, 1)
			stopPull := pull(t, b, media.Input{URL: url, Timeout: 2 * time.Second,
				Reconnect: &media.Backoff{Initial: 200 * time.Millisecond, Max: time.Second},
				OnEvent: func(e media.Event) {
					mu.Lock()
					events = append(events, e)
					mu.Unlock()
					if e.Kind == media.Reconnected {
						select {
						case reconnected <- struct{}{}:
						default:
						}
					}
				}})
			time.Sleep(1500 * time.Millisecond)
			srv.Kill()
			pub()
			time.Sleep(300 * time.Millisecond)
			srv.Restart()
			pub = cliPublish(t, url)
			select {
			case <-reconnected:
			case <-time.After(15 * time.Second):
				t.Error("no reconnect within 15 s of the restart")
			}
			time.Sleep(time.Second)
			got := stopPull()
			pub()
			if got.err != nil {
				t.Fatal(got.err)
			}
			mu.Lock()
			t.Logf("events: %v", events)
			mu.Unlock()
			st, _ := media.Stats(got.demuxer)
			if st.Reconnects < 1 || st.Retries < 1 {
				t.Errorf("stats %+v: want a retry and a reconnect", st)
			}
			// Frames from before the kill and after the restart, in one
			// file whose timestamps keep increasing.
			checkReceived(t, got.path, 2*minFrames, 1000, maxOffset)
		})
	}
}

// A server killed and restarted under a publish with Reconnect: the
// publish goes on after the restart, starting at a key frame, and a
// receiver joining then gets the stream.
func TestRestartPublish(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			frametest.NoLeaks(t)
			srv := servers.NginxRTMP(t)
			url := srv.RTMP("push")
			reconnected := make(chan media.Event, 1)
			stopPub := publish(t, b, media.Output{URL: url, Reconnect: &media.Backoff{Initial: 200 * time.Millisecond, Max: time.Second},
				OnEvent: func(e media.Event) {
					t.Logf("event: %v", e)
					if e.Kind == media.Reconnected {
						select {
						case reconnected <- e:
						default:
						}
					}
				}})
			time.Sleep(time.Second)
			srv.Kill()
			time.Sleep(300 * time.Millisecond)
			srv.Restart()
			select {
			case <-reconnected:
			case <-time.After(15 * time.Second):
				t.Error("the publish did not reconnect within 15 s of the restart")
			}
			cli := cliPull(t, url, pullFor, "-rw_timeout", "5000000")
			path := cli()
			sent := stopPub()
			if sent.err != nil {
				t.Fatalf("publish: %v", sent.err)
			}
			checkReceived(t, path, minFrames, int(sent.video), maxOffset)
		})
	}
}

// A source that stalls times out naming its URL; it never hangs.
func TestStallTimesOut(t *testing.T) {
	for _, b := range backends {
		t.Run(b+"/silent-server", func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var conns sync.WaitGroup
			conns.Go(func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					conns.Go(func() {
						buf := make([]byte, 4096)
						for {
							if _, err := c.Read(buf); err != nil {
								c.Close()
								return
							}
						}
					})
				}
			})
			defer func() { l.Close(); conns.Wait() }()
			url := fmt.Sprintf("rtmp://%s/live/silent", l.Addr())
			_, err = media.Open(media.Input{URL: url, Timeout: 500 * time.Millisecond}, b)
			if !errors.Is(err, media.ErrTimeout) || !strings.Contains(err.Error(), url) {
				t.Errorf("Open of a server that says nothing: %v; want a timeout naming %s", err, url)
			}
		})
		t.Run(b+"/srt-unpublished", func(t *testing.T) {
			srv := servers.SRTRelay(t)
			_, err := media.Open(media.Input{URL: srv.Play(), Timeout: time.Second}, b)
			if !errors.Is(err, media.ErrTimeout) || !strings.Contains(err.Error(), srv.Play()) {
				t.Errorf("Open of an SRT stream nobody publishes: %v; want a timeout naming %s", err, srv.Play())
			}
		})
	}
}

// cliPull starts the ffmpeg CLI receiving url for d into a file, and
// returns a function that waits for it and returns the file. A test that
// ends (or skips) without calling it kills the CLI.
func cliPull(t *testing.T, url string, d time.Duration, extra ...string) func() string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cli.ts")
	ctx, cancel := context.WithTimeout(context.Background(), d+15*time.Second)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		defer close(done)
		_, out, err = ffmpegPullTo(ctx, url, d, path, extra...)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return func() string {
		<-done
		if err != nil {
			t.Fatalf("ffmpeg -i %s: %v\n%s", url, err, out)
		}
		return path
	}
}

// cliPublish publishes a live test pattern and tone to url with the ffmpeg
// CLI until the returned function is called (or the server goes).
func cliPublish(t *testing.T, url string) (stop func()) {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-re",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=30", width, height),
		"-f", "lavfi", "-i", "sine=sample_rate=48000",
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30",
		"-c:a", "aac", "-f", "flv", url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/conformance"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/internal/servers"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var sent = regexp.MustCompile(`sent (\d+) video and (\d+) audio frames`)

func needFFmpeg(t *testing.T) {
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: the test checks what was published with it", tool)
		}
	}
}

// A publish to nginx-rtmp is received by the ffmpeg CLI joining it
// mid-stream: H.264 at the size asked for, with AAC.
func TestPublishRTMP(t *testing.T) {
	needFFmpeg(t)
	live := frame.Live()
	srv := servers.NginxRTMP(t)
	url := srv.RTMP("example")
	var log bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-o", url, "-seconds", "3", "-size", "320x240", "-backend", "ffmpeg"}, &log)
	}()
	time.Sleep(time.Second)
	path := filepath.Join(t.TempDir(), "got.ts")
	// nginx-rtmp never ends a play session: bound the receiver, so that a
	// publish it cannot read fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-rw_timeout", "5000000", "-i", url, "-c", "copy", "-t", "1", "-y", path).CombinedOutput()
	if err != nil {
		t.Errorf("ffmpeg -i %s: %v\n%s", url, err, out)
	}
	if err := <-done; err != nil {
		t.Fatalf("live: %v\n%s", err, log.String())
	}
	if m := sent.FindStringSubmatch(log.String()); m == nil || m[1] != "90" {
		t.Errorf("want 90 video frames sent in the summary:\n%s", log.String())
	}
	f, err := conformance.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := f.Video()
	a, _ := f.Audio()
	if v.Codec != "h264" || v.Width != 320 || v.Height != 240 || a.Codec != "aac" || v.Frames < 10 {
		t.Errorf("received %s %dx%d (%d frames) + %s; want h264 320x240 + aac", v.Codec, v.Width, v.Height, v.Frames, a.Codec)
	}
	if n := frame.Live() - live; n != 0 {
		t.Errorf("%d frame handles leaked", n)
	}
}

// An HLS folder holds every frame sent, in segments of the length asked
// for, and its playlist is finished.
func TestPublishHLS(t *testing.T) {
	needFFmpeg(t)
	dir := filepath.Join(t.TempDir(), "hls") + "/"
	var log bytes.Buffer
	if err := run([]string{"-o", dir, "-seconds", "2", "-size", "320x240", "-segment", "1s", "-backend", "ffmpeg"}, &log); err != nil {
		t.Fatalf("live: %v\n%s", err, log.String())
	}
	text, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(text)), "#EXT-X-ENDLIST") || strings.Count(string(text), "#EXTINF") != 2 {
		t.Errorf("want two 1 s segments and #EXT-X-ENDLIST:\n%s", text)
	}
	m := sent.FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no summary:\n%s", log.String())
	}
	n, _ := strconv.Atoi(m[1])
	f, err := conformance.Probe(context.Background(), filepath.Join(dir, "index.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	err = conformance.Check(f, conformance.Expect{VideoFrames: n, FrameRate: [2]int{30, 1}, VideoDuration: 2 * time.Second,
		AudioDuration: 2 * time.Second, AudioFrameDur: 1024 * time.Second / 48000, CheckAVOffset: true})
	if n != 60 || err != nil {
		t.Errorf("sent %d frames (want 60): %v", n, err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "missing -o"},
		{[]string{"-o", "rtmp://h/a/k", "-codec", "vp8"}, "-codec"},
		{[]string{"-o", "rtmp://h/a/k", "-audio", "flac"}, "-audio"},
		{[]string{"-o", "rtmp://h/a/k", "-seconds", "-1"}, "-seconds"},
		{[]string{"-o", "rtmp://h/a/k", "-codec", "h265"}, "cannot hold"},
	} {
		err := run(c.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want an error mentioning %q", c.args, err, c.want)
		}
	}
}

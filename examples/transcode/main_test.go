// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var wrote = regexp.MustCompile(`wrote (\d+) video`)

func probe(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries",
		"stream=codec_name,width,height,sample_rate,nb_read_frames", "-of", "compact=p=0:nk=1", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestTranscode(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI is not installed")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "1",
		"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", in).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	live := frame.Live()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-o", filepath.Join(dir, "out.mkv"), "-vcodec", "h265", "-acodec", "opus", "-preset", "ultrafast", "-size", "160x120", "-loglevel", "error"},
			"hevc|160|120|30\nopus|48000|"},
		{[]string{"-o", filepath.Join(dir, "out.mp4"), "-vcodec", "copy", "-acodec", "aac", "-ab", "96000"},
			"h264|320|240|30\naac|44100|"},
		{[]string{"-o", filepath.Join(dir, "out.ts"), "-vcodec", "h264", "-acodec", "none", "-crf", "30", "-gop", "10"},
			"h264|320|240|30"},
		{[]string{"-o", filepath.Join(dir, "gst.webm"), "-backend", "gst", "-vcodec", "vp9", "-acodec", "opus", "-size", "160x120"},
			"vp9|160|120|30\nopus|48000|"},
		{[]string{"-o", filepath.Join(dir, "gst.mp4"), "-backend", "gst", "-vcodec", "h264", "-acodec", "none", "-preset", "ultrafast"},
			"h264|320|240|30"},
	}
	for _, c := range cases {
		var log bytes.Buffer
		if code := run(append([]string{"-i", in}, c.args...), &log); code != 0 {
			t.Fatalf("%v: exit %d\n%s", c.args, code, log.String())
		}
		got := probe(t, c.args[1])
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%v: ffprobe says %q, want %q...", c.args, got, c.want)
		}
		// The summary's video count is what ffprobe decodes: 30 frames.
		if m := wrote.FindStringSubmatch(log.String()); m == nil || m[1] != "30" || !strings.HasSuffix(strings.Split(got, "\n")[0], "|30") {
			t.Errorf("%v: summary %q, ffprobe %q: want 30 video frames written and decoded", c.args, log.String(), got)
		}
	}
	if frame.Live() != live {
		t.Errorf("%d frame handles leaked", frame.Live()-live)
	}
	if code := run([]string{"-i", filepath.Join(dir, "missing.mp4"), "-o", filepath.Join(dir, "x.mkv")}, io.Discard); code != 1 {
		t.Errorf("missing input: exit %d, want 1", code)
	}
	if code := run([]string{"-i", in, "-o", filepath.Join(dir, "x.mkv"), "-vcodec", "mpeg9"}, io.Discard); code != 2 {
		t.Errorf("unknown codec: exit %d, want 2", code)
	}
	if code := run([]string{"-i", in, "-o", filepath.Join(dir, "x.mkv"), "-backend", "gst", "-vcodec", "copy"}, io.Discard); code != 2 {
		t.Errorf("copy with gst: exit %d, want 2", code)
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package examples_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// build compiles the example in ./name without cgo (the core examples must
// build without it) and returns the program's path.
func build(t *testing.T, name string) string {
	t.Helper()
	return buildWith(t, name, "CGO_ENABLED=0")
}

// buildWith compiles the example in ./name with env added.
func buildWith(t *testing.T, name string, env ...string) string {
	t.Helper()
	gobin, err := exec.LookPath("go") // go test puts its own go first on PATH
	if err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	exe := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(gobin, "build", "-o", exe, "./"+name)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./%s: %v\n%s", name, err, out)
	}
	return exe
}

// run runs exe with args and returns its stdout, stderr and exit status.
func run(t *testing.T, exe string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("run %s %q: %v", filepath.Base(exe), args, err)
	}
	return o.String(), e.String(), code
}

func TestPattern(t *testing.T) {
	exe := build(t, "pattern")
	out := filepath.Join(t.TempDir(), "p.y4m")
	_, stderr, code := run(t, exe, "-frames", "30", "-size", "160x120", "-fps", "30", "-o", out)
	if code != 0 {
		t.Fatalf("pattern exited %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "wrote 30 frames of 160x120") {
		t.Errorf("summary line missing or wrong:\n%s", stderr)
	}
	// A Y4M frame of 160x120 I420 is "FRAME\n" and 160*120*3/2 bytes.
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if hdr := int64(len("YUV4MPEG2 W160 H120 F30:1 Ip A1:1 C420jpeg\n")); st.Size() != hdr+30*(6+160*120*3/2) {
		t.Errorf("%s is %d bytes, want %d", out, st.Size(), hdr+30*(6+160*120*3/2))
	}

	t.Run("ffprobe", func(t *testing.T) {
		ffprobe, err := exec.LookPath("ffprobe")
		if err != nil {
			t.Skip("ffprobe not on PATH: install ffmpeg to check the file with an independent tool")
		}
		got, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
			"-show_entries", "stream=width,height,nb_read_frames,r_frame_rate", "-of", "csv=p=0", out).CombinedOutput()
		if err != nil {
			t.Fatalf("ffprobe: %v\n%s", err, got)
		}
		if s := strings.TrimSpace(string(got)); s != "160,120,30/1,30" {
			t.Errorf("ffprobe says %q, want %q (width,height,rate,frames)", s, "160,120,30/1,30")
		}
	})

	t.Run("bad flags", func(t *testing.T) {
		dir := t.TempDir()
		o := filepath.Join(dir, "x.y4m")
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"-size", "0x10", "-o", o}, "-size"},
			{[]string{"-size", "160", "-o", o}, "want WxH"},
			{[]string{"-frames", "-1", "-o", o}, "-frames -1"},
			{[]string{"-fps", "30/0", "-o", o}, "-fps"},
			{[]string{"-frames", "3"}, "missing -o"},
			{[]string{"-o", filepath.Join(dir, "no", "such", "dir.y4m")}, "no such file"},
		} {
			_, stderr, code := run(t, exe, c.args...)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Errorf("pattern %q: exit %d, stderr %q; want a failure mentioning %q", c.args, code, stderr, c.want)
			}
		}
		if _, err := os.Stat(o); err == nil {
			t.Errorf("bad flags still created %s", o)
		}
	})
}

func TestBytes(t *testing.T) {
	exe := build(t, "bytes")
	stdout, stderr, code := run(t, exe, "-frames", "5")
	if code != 0 {
		t.Fatalf("bytes exited %d:\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	sums := regexp.MustCompile(`(?m)^frame \d+ .* crc32=[0-9a-f]{8}$`).FindAllString(stdout, -1)
	if len(sums) != 5 {
		t.Errorf("got %d checksum lines, want 5:\n%s", len(sums), stdout)
	}
	if !strings.Contains(stdout, "done: 5 frames") || !strings.Contains(stdout, " 0 live handles") {
		t.Errorf("summary line missing or wrong:\n%s", stdout)
	}
	if stderr != "" {
		t.Errorf("unexpected stderr:\n%s", stderr)
	}
}

func TestEncode(t *testing.T) {
	exe := buildWith(t, "encode")
	dir := t.TempDir()
	for _, c := range []struct{ codec, audio, ext, want string }{
		{"h264", "aac", "mp4", "h264,video,30\naac,audio"},
		{"vp9", "opus", "webm", "vp9,video,30\nopus,audio"},
		{"h265", "none", "mkv", "hevc,video,30"},
	} {
		out := filepath.Join(dir, c.codec+"."+c.ext)
		_, stderr, code := run(t, exe, "-codec", c.codec, "-audio", c.audio, "-frames", "30", "-size", "160x120", "-o", out)
		if code != 0 {
			t.Fatalf("encode %s: exit %d: %s", c.codec, code, stderr)
		}
		// The summary counts what the muxer wrote per stream; ffprobe
		// decodes the same number below.
		if !regexp.MustCompile(`wrote 30 video( and \d+ audio)? frames of 160x120`).MatchString(stderr) {
			t.Errorf("summary: %s", stderr)
		}
		if _, err := exec.LookPath("ffprobe"); err != nil {
			continue
		}
		got, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=codec_name,codec_type,nb_read_frames", "-of", "csv=p=0", out).Output()
		if err != nil || !strings.HasPrefix(strings.TrimSpace(string(got)), c.want) {
			t.Errorf("%s: ffprobe %q %v, want %q", out, got, err, c.want)
		}
	}
	_, stderr, code := run(t, exe, "-codec", "h264", "-audio", "aac", "-o", filepath.Join(dir, "x.webm"))
	if code == 0 || !strings.Contains(stderr, "webm cannot hold H264 video") {
		t.Errorf("h264 in webm: exit %d: %s", code, stderr)
	}
}

func TestCameraWithoutDevice(t *testing.T) {
	exe := buildWith(t, "camera")
	_, stderr, code := run(t, exe, "-device", "/dev/video99", "-o", filepath.Join(t.TempDir(), "c.mp4"))
	if code != 1 || !strings.Contains(stderr, "no capture device found at /dev/video99") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestLaunch(t *testing.T) {
	exe := buildWith(t, "launch")
	out := filepath.Join(t.TempDir(), "l.mkv")
	stdout, stderr, code := run(t, exe, "videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120 ! x264enc ! matroskamux ! filesink location="+out)
	if code != 0 || !strings.Contains(stdout, "PAUSED -> PLAYING") || !strings.Contains(stdout, "eos") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	_, stderr, code = run(t, exe, "videotestsrc ! nosuchelement")
	if code != 1 || !strings.Contains(stderr, `missing GStreamer element "nosuchelement"`) {
		t.Fatalf("bad element: exit %d: %s", code, stderr)
	}
}

func TestProbe(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI makes the input")
	}
	in := filepath.Join(t.TempDir(), "in.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=48000", "-t", "1", "-c:v", "libx264", "-c:a", "aac", in).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	exe := buildWith(t, "probe")
	stdout, stderr, code := run(t, exe, in)
	if code != 0 || !strings.Contains(stdout, "mov,mp4") || !strings.Contains(stdout, "video h264 320x240 30 fps") ||
		!strings.Contains(stdout, "audio aac 48000 Hz 1 ch") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	_, stderr, code = run(t, exe, filepath.Join(t.TempDir(), "missing.mp4"))
	if code != 1 || !strings.Contains(stderr, "missing.mp4") {
		t.Fatalf("missing file: exit %d: %s", code, stderr)
	}
}

// The first Ctrl-C stops encode gracefully: it exits 0 and the file holds
// every frame it says it wrote, audio ending with video; ffprobe counts them.
func TestEncodeStopsGracefullyOnInterrupt(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe checks the file")
	}
	exe := buildWith(t, "encode")
	out := filepath.Join(t.TempDir(), "stop.mp4")
	var stderr bytes.Buffer
	cmd := exec.Command(exe, "-codec", "h264", "-audio", "aac", "-frames", "1000000", "-size", "160x120", "-o", out)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("encode after Ctrl-C: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`wrote (\d+) video and (\d+) audio frames`).FindStringSubmatch(stderr.String())
	if m == nil || !strings.Contains(stderr.String(), "stopping") {
		t.Fatalf("no stop message or summary:\n%s", stderr.String())
	}
	got, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames,duration", "-of", "csv=p=0", out).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	lines := strings.Fields(strings.TrimSpace(string(got)))
	if len(lines) != 2 {
		t.Fatalf("ffprobe: %q", got)
	}
	v := strings.Split(lines[0], ",")
	a := strings.Split(lines[1], ",")
	if v[1] != m[1] {
		t.Errorf("encode says it wrote %s video frames, ffprobe decodes %s", m[1], v[1])
	}
	vd, _ := strconv.ParseFloat(v[0], 64)
	ad, _ := strconv.ParseFloat(a[0], 64)
	// AAC adds 1024 samples of priming (21 ms) that gst's mp4mux does not
	// trim; past that, audio and video end within a frame.
	if d := ad - vd; d < -1.0/30 || d > 1.0/30+1024.0/48000 {
		t.Errorf("video lasts %.3f s, audio %.3f s: they should end together", vd, ad)
	}
	t.Logf("%s", strings.TrimSpace(stderr.String()))
}

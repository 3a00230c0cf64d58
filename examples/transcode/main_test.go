// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/conformance"
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

// source makes a 1 s H264 (with B-frames) + AAC MP4 with the ffmpeg CLI.
func source(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI is not installed")
	}
	in := filepath.Join(t.TempDir(), "in.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "1",
		"-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-c:a", "aac", in).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return in
}

// cliEncoders are the ffmpeg CLI's encoders for the codec flags.
var cliEncoders = map[string]string{"h264": "libx264", "h265": "libx265", "vp9": "libvpx-vp9", "aac": "aac", "opus": "libopus", "copy": "copy"}

// reference is the ffmpeg CLI's output of the same job: what a transcode
// of in is held to. (An audio encoder adds priming, which MPEG-TS and
// GStreamer's MP4 do not trim, and the source's own end padding is kept:
// the CLI's output shows what the source's durations become.)
func reference(t *testing.T, in, ext, vcodec, acodec string) conformance.Expect {
	t.Helper()
	out := filepath.Join(t.TempDir(), "cli"+ext)
	args := []string{"-v", "error", "-i", in, "-c:v", cliEncoders[vcodec], "-c:a", cliEncoders[acodec], out}
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	f, err := conformance.Probe(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	e, err := conformance.ExpectFrom(f, [2]int{30, 1}, false, 1024*time.Second/44100)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The same program on each backend: every frame written, as ffprobe counts
// them, on the source's grid, audio as long and as aligned as in the
// ffmpeg CLI's output of the same job, each frame n a picture of the
// source's frame n; a stream copy decodes to the source's pictures (bit-
// exact packets on ffmpeg; GStreamer's parsers rewrite the H.264 headers).
func TestTranscodeConformsOnEachBackend(t *testing.T) {
	in := source(t)
	live := frame.Live()
	for _, backend := range []string{"gst", "ffmpeg"} {
		for _, c := range []struct{ ext, vcodec, acodec string }{
			{".mp4", "h264", "aac"}, {".mkv", "h265", "opus"}, {".webm", "vp9", "opus"}, {".ts", "h264", "aac"}, {".mp4", "copy", "copy"},
		} {
			t.Run(backend+"/"+c.vcodec+"+"+c.acodec+c.ext, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out"+c.ext)
				var log bytes.Buffer
				args := []string{"-i", in, "-o", out, "-vcodec", c.vcodec, "-acodec", c.acodec, "-preset", "fastest", "-backend", backend}
				if code := run(args, &log); code != 0 {
					t.Fatalf("%v: exit %d\n%s", args, code, log.String())
				}
				f, err := conformance.Probe(context.Background(), out)
				if err != nil {
					t.Fatal(err)
				}
				v, _ := f.Video()
				if m := wrote.FindStringSubmatch(log.String()); m == nil || m[1] != "30" || v.Frames != 30 {
					t.Errorf("summary %q, ffprobe decodes %d: want 30 written and decoded", log.String(), v.Frames)
				}
				if err := conformance.Check(f, reference(t, in, c.ext, c.vcodec, c.acodec)); err != nil {
					t.Error(err)
				}
				if c.vcodec == "copy" {
					hashes := conformance.PacketHashes
					if backend == "gst" {
						hashes = decodedHashes
					}
					a, _ := hashes(context.Background(), in, "v:0")
					b, _ := hashes(context.Background(), out, "v:0")
					if err := conformance.EqualHashes(a, b); err != nil {
						t.Errorf("copy: %v", err)
					}
					return
				}
				psnr, err := conformance.PSNR(context.Background(), in, out)
				if err != nil {
					t.Fatal(err)
				}
				if err := conformance.CheckAligned(psnr, 25); err != nil {
					t.Error(err)
				}
			})
		}
	}
	if frame.Live() != live {
		t.Errorf("%d frame handles leaked", frame.Live()-live)
	}
}

// decodedHashes is one MD5 per decoded picture of the stream sel.
func decodedHashes(ctx context.Context, path, sel string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-i", path, "-map", "0:"+sel, "-f", "framemd5", "-").Output()
	if err != nil {
		return nil, err
	}
	var hs []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Split(line, ","); len(f) == 6 && !strings.HasPrefix(line, "#") {
			hs = append(hs, strings.TrimSpace(f[5]))
		}
	}
	return hs, nil
}

func TestTranscodeFlagsAndErrors(t *testing.T) {
	in := source(t)
	dir := t.TempDir()
	// Scaling, and a backend preference that is only a preference: the
	// y4m backend cannot encode, so encoders come from the others.
	if code := run([]string{"-i", in, "-o", filepath.Join(dir, "s.mkv"), "-vcodec", "vp9", "-acodec", "none", "-size", "160x120", "-backend", "y4m"}, io.Discard); code != 0 {
		t.Fatalf("scale: exit %d", code)
	}
	if got := probe(t, filepath.Join(dir, "s.mkv")); got != "vp9|160|120|30" {
		t.Errorf("scaled: ffprobe %q", got)
	}
	for _, c := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"-i", filepath.Join(dir, "missing.mp4"), "-o", filepath.Join(dir, "x.mkv")}, 1, "no such file"},
		{[]string{"-i", in, "-o", filepath.Join(dir, "x.mkv"), "-vcodec", "mpeg9"}, 2, "unknown codec"},
		{[]string{"-i", in, "-o", filepath.Join(dir, "x.webm"), "-vcodec", "h264", "-acodec", "opus"}, 1, "webm cannot hold H264"},
		{[]string{"-i", in, "-o", filepath.Join(dir, "x.mp4"), "-preset", "veryfast"}, 2, "preset"},
	} {
		var log bytes.Buffer
		if code := run(c.args, &log); code != c.code || !strings.Contains(strings.ToLower(log.String()), strings.ToLower(c.say)) {
			t.Errorf("%v: exit %d, %q; want %d saying %q", c.args, code, log.String(), c.code, c.say)
		}
	}
}

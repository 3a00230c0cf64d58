// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/asticode/go-astiav"
	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage/stagetest"
)

var mediaDir string

func TestMain(m *testing.M) {
	var err error
	if mediaDir, err = os.MkdirTemp("", "streamer-ffmpeg-"); err != nil {
		panic(err)
	}
	astiav.SetLogLevel(astiav.LogLevelError)
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { os.RemoveAll(mediaDir) }))
}

type V = frame.Video
type A = frame.Audio

// noLeaks fails the test if frame handles made during it are still alive.
func noLeaks(t testing.TB) { t.Helper(); stagetest.NoLeaks(t) }

var mediaMu sync.Mutex

// media returns the path of a test file made once by the ffmpeg CLI:
// seconds of testsrc2 video (size WxH at 30 fps) and a 440 Hz sine at
// 48 kHz, encoded with the given output arguments into name.
func media(t testing.TB, name, size string, seconds string, outArgs ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI is not installed")
	}
	mediaMu.Lock()
	defer mediaMu.Unlock()
	path := filepath.Join(mediaDir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	args := []string{"-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", seconds}
	args = append(args, outArgs...)
	args = append(args, path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return path
}

// h264AAC is the most common input: H264 + AAC in MP4.
func h264AAC(t testing.TB) string {
	return media(t, "h264_aac.mp4", "320x240", "2",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart")
}

// probe runs ffprobe on path and returns its key=value output for entries
// of the stream selected by sel ("v:0", "a:0").
func probe(t testing.TB, path, sel, entries string) map[string]string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", sel,
		"-show_entries", entries, "-of", "default=noprint_wrappers=1", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

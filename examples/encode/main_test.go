// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/conformance"
	"github.com/spinorml/streamer/frame"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var wrote = regexp.MustCompile(`wrote (\d+) video and (\d+) audio frames`)

// The example writes every frame it reports, as ffprobe counts them, with
// timestamps on the grid and audio as long as the video, in every container.
func TestEncodeWritesWhatItReports(t *testing.T) {
	live := frame.Live()
	for _, c := range []struct{ backend, codec, audio, ext string }{
		{"gst", "h264", "aac", ".mp4"}, {"gst", "h265", "aac", ".mkv"}, {"gst", "vp9", "opus", ".webm"}, {"gst", "h264", "aac", ".ts"}, {"gst", "h264", "aac", ".flv"},
		{"ffmpeg", "h264", "aac", ".mp4"}, {"ffmpeg", "h265", "aac", ".mkv"}, {"ffmpeg", "vp9", "opus", ".webm"}, {"ffmpeg", "h264", "aac", ".ts"}, {"ffmpeg", "h264", "aac", ".flv"},
	} {
		t.Run(c.backend+"/"+c.codec+c.ext, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "e"+c.ext)
			var log bytes.Buffer
			args := []string{"-codec", c.codec, "-audio", c.audio, "-frames", "45", "-size", "320x240", "-o", out, "-backend", c.backend}
			if err := run(args, &log); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, log.String())
			}
			m := wrote.FindStringSubmatch(log.String())
			if m == nil {
				t.Fatalf("no frame counts in %q", log.String())
			}
			video, _ := strconv.Atoi(m[1])
			f, err := conformance.Probe(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if vs, _ := f.Video(); vs.Frames != video || video != 45 {
				t.Errorf("reported %d video frames, ffprobe decodes %d, the source made 45", video, vs.Frames)
			}
			err = conformance.Check(f, conformance.Expect{VideoFrames: 45, FrameRate: [2]int{30, 1},
				VideoDuration: 1500 * time.Millisecond, AudioDuration: 1500 * time.Millisecond, CheckAVOffset: true,
				AudioFrameDur: 1024 * time.Second / 48000})
			if err != nil {
				t.Error(err)
			}
		})
	}
	if n := frame.Live() - live; n != 0 {
		t.Errorf("%d frame handles leaked", n)
	}
	if err := run([]string{"-o", "x.avi"}, &bytes.Buffer{}); err == nil {
		t.Error("an .avi output was accepted")
	}
}

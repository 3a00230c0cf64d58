// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package conformance_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/conformance"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// need skips t unless every tool is on PATH.
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
}

// sh runs a command line of a tool and fails t with its output on error.
func sh(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// ffmpeg runs the ffmpeg CLI quietly, overwriting outputs.
func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	need(t, "ffmpeg")
	sh(t, "ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...)
}

// gst runs gst-launch-1.0 with a pipeline description, split on spaces.
func gst(t *testing.T, pipeline string) {
	t.Helper()
	need(t, "gst-launch-1.0")
	sh(t, "gst-launch-1.0", append([]string{"-q", "-e"}, strings.Fields(pipeline)...)...)
}

func probe(t *testing.T, path string) *conformance.File {
	t.Helper()
	need(t, "ffprobe")
	f, err := conformance.Probe(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The sources of every job: 2 s of 320x240 testsrc2 at 30 fps (60 frames)
// and a 440 Hz sine at 48 kHz, encoded fast.
var (
	lavfiVideo = []string{"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2"}
	lavfiAudio = []string{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2"}
	x264       = []string{"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "12"}
	vp9        = []string{"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"}
	aac        = []string{"-c:a", "aac"}
	opus       = []string{"-c:a", "libopus"}
)

// want is what every correctly written file of the jobs above must meet.
var want = conformance.Expect{
	VideoFrames:   60,
	FrameRate:     [2]int{30, 1},
	VideoDuration: 2 * time.Second,
	AudioDuration: 2 * time.Second,
	CheckAVOffset: true,
	AudioFrameDur: 1024 * time.Second / 48000,
}

func args(parts ...[]string) []string { return slices.Concat(parts...) }

// ffmpegJob writes the standard job with the ffmpeg CLI to dir/name,
// adding extra input options (e.g. -itsoffset) before the video or audio
// input.
func ffmpegJob(t *testing.T, path string, vcodec, acodec, vin, ain []string) {
	t.Helper()
	ffmpeg(t, args(vin, lavfiVideo, ain, lavfiAudio, vcodec, acodec, []string{path})...)
}

// summary describes the timing of f, for the log.
func summary(f *conformance.File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s]", filepath.Base(f.Path), f.Format)
	for _, s := range f.Streams {
		ps := f.PacketsOf(s.Index)
		var minPTS, maxEnd time.Duration
		for i, p := range ps {
			if i == 0 || p.PTS < minPTS {
				minPTS = p.PTS
			}
			maxEnd = max(maxEnd, p.PTS+p.Duration)
		}
		fmt.Fprintf(&b, "; #%d %s %s tb %d/%d start_time %v frames %d packets %d pts %v..%v",
			s.Index, s.Type, s.Codec, s.TimeBase[0], s.TimeBase[1], s.StartTime, s.Frames, len(ps), minPTS, maxEnd)
		if len(ps) > 0 && (ps[0].SkipSamples != 0 || ps[len(ps)-1].DiscardPadding != 0) {
			fmt.Fprintf(&b, " skip %d discard %d", ps[0].SkipSamples, ps[len(ps)-1].DiscardPadding)
		}
		if len(ps) > 0 && !ps[0].HasDTS {
			b.WriteString(" first dts N/A")
		}
	}
	return b.String()
}

// TestCheckFFmpegCLI proves Check passes files the ffmpeg CLI writes for
// the standard job, in every container.
func TestCheckFFmpegCLI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		vcodec, acodec []string
	}{
		{"out.mp4", x264, aac},
		{"out.mkv", x264, opus},
		{"out.webm", vp9, opus},
		{"out.ts", x264, aac},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tc.name)
			ffmpegJob(t, path, tc.vcodec, tc.acodec, nil, nil)
			f := probe(t, path)
			t.Log(summary(f))
			if err := conformance.Check(f, want); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCheckGStreamer proves Check passes files gst-launch-1.0 writes for
// the same job.
func TestCheckGStreamer(t *testing.T) {
	t.Parallel()
	const (
		video = "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1"
		h264  = " ! x264enc bframes=2 speed-preset=ultrafast key-int-max=12 ! h264parse"
		vp9   = " ! vp9enc deadline=1 cpu-used=8"
		audio = "audiotestsrc num-buffers=100 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=1 ! audioconvert"
		aac   = " ! avenc_aac ! aacparse ! m."
		opus  = " ! opusenc ! opusparse ! m."
	)
	for _, tc := range []struct{ name, video, mux, audio string }{
		{"out.mp4", h264, "mp4mux", aac},
		{"out.mkv", h264, "matroskamux", opus},
		{"out.ts", h264, "mpegtsmux", aac},
		{"out.webm", vp9, "webmmux", opus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tc.name)
			gst(t, video+tc.video+" ! "+tc.mux+" name=m ! filesink location="+path+" "+audio+tc.audio)
			f := probe(t, path)
			t.Log(summary(f))
			if err := conformance.Check(f, want); err != nil {
				t.Error(err)
			}
		})
	}
}

// mustFail fails t unless err is non-nil and mentions every one of msgs
// and none of the other checks' names.
func mustFail(t *testing.T, err error, msgs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Check passed, want failures %q", msgs)
	}
	t.Log(err)
	for _, m := range msgs {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(msgs) {
		t.Errorf("%d failures, want %d (%q)", n, len(msgs), msgs)
	}
}

// TestCheckDroppedFrame proves a file missing one frame fails the frame
// count, and only that, when the frame is dropped from the middle with
// its timestamp; and fails the duration too when the frames close up.
// (-fps_mode passthrough stops the ffmpeg CLI duplicating a frame into the
// gap, as it does by default for MP4.)
func TestCheckDroppedFrame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gap := filepath.Join(dir, "gap.mp4")
	ffmpegJob(t, gap, args(x264, []string{"-vf", "select=not(eq(n\\,30))", "-fps_mode", "passthrough"}), aac, nil, nil)
	mustFail(t, conformance.Check(probe(t, gap), want), "video frames: decoded 59, want 60")

	short := filepath.Join(dir, "short.mkv")
	ffmpegJob(t, short, args(x264, []string{"-vf", "select=not(eq(n\\,30)),setpts=N/30/TB"}), opus, nil, nil)
	mustFail(t, conformance.Check(probe(t, short), conformance.Expect{VideoFrames: 60, FrameRate: [2]int{30, 1}, VideoDuration: 2 * time.Second}),
		"video frames: decoded 59, want 60", "video duration")
}

// TestCheckAVOffset proves Check fails files whose audio is 100 ms late,
// or 2 video frames late or early, in each container family, while the
// offset the encoders' priming leaves passes (TestCheckFFmpegCLI).
func TestCheckAVOffset(t *testing.T) {
	t.Parallel()
	late := filepath.Join(t.TempDir(), "late.mp4")
	ffmpegJob(t, late, x264, aac, nil, []string{"-itsoffset", "0.1"})
	f := probe(t, late)
	t.Log(summary(f))
	mustFail(t, conformance.Check(f, want), "a/v offset")

	twoFrames := fmt.Sprint(2.0 / 30)
	for _, tc := range []struct {
		name           string
		vcodec, acodec []string
	}{
		{"shift.mp4", x264, aac},
		{"shift.ts", x264, aac},
		{"shift.mkv", x264, opus},
	} {
		for _, dir := range []string{"late", "early"} {
			t.Run(dir+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), tc.name)
				var vin, ain []string
				if dir == "late" {
					ain = []string{"-itsoffset", twoFrames}
				} else {
					vin = []string{"-itsoffset", twoFrames}
				}
				// passthrough: no frames duplicated to fill a late video start.
				ffmpegJob(t, path, args(tc.vcodec, []string{"-fps_mode", "passthrough"}), tc.acodec, vin, ain)
				f := probe(t, path)
				t.Log(summary(f))
				e := want
				e.VideoDuration, e.AudioDuration = 0, 0 // the shift may trim the end
				mustFail(t, conformance.Check(f, e), "a/v offset")
			})
		}
	}
}

// TestPSNR proves PSNR and CheckAligned pass an encode of a source and
// fail a copy shifted by one frame or missing one frame in the middle.
func TestPSNR(t *testing.T) {
	t.Parallel()
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	src61 := path("src61.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-frames:v", "61", "-c:v", "ffv1", src61)
	ffmpeg(t, "-i", src61, "-frames:v", "60", "-c:v", "ffv1", path("src.mkv"))
	ffmpeg(t, "-i", src61, "-vf", "trim=start_frame=1,setpts=PTS-STARTPTS", "-c:v", "ffv1", path("shift.mkv"))
	ffmpeg(t, "-i", path("src.mkv"), "-vf", "select=not(eq(n\\,30)),setpts=N/30/TB,tpad=stop=1:stop_mode=clone", "-c:v", "ffv1", path("drop.mkv"))
	ffmpeg(t, args([]string{"-i", path("src.mkv")}, x264, []string{path("enc.mp4")})...)
	ffmpeg(t, "-i", path("src.mkv"), "-frames:v", "59", "-c:v", "ffv1", path("short.mkv"))
	ctx := t.Context()
	src := path("src.mkv")

	same, err := conformance.PSNR(ctx, src, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(same) != 60 || conformance.CheckAligned(same, 1000) != nil {
		t.Errorf("psnr of the source against itself: %v, want 60 × +Inf", same)
	}

	enc, err := conformance.PSNR(ctx, src, path("enc.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("encode: min %.2f dB", slices.Min(enc))
	if err := conformance.CheckAligned(enc, 30); err != nil {
		t.Error(err)
	}

	for _, tc := range []struct{ name, frame string }{{"shift.mkv", "frame 0 "}, {"drop.mkv", "frame 30 "}} {
		got, err := conformance.PSNR(ctx, src, path(tc.name))
		if err != nil {
			t.Fatal(err)
		}
		err = conformance.CheckAligned(got, 30)
		t.Logf("%s: max %.2f dB: %v", tc.name, slices.Max(got[min(30, len(got)-1):]), err)
		if err == nil || !strings.Contains(err.Error(), tc.frame) {
			t.Errorf("CheckAligned(%s) = %v, want an error naming %q", tc.name, err, tc.frame)
		}
	}

	if _, err := conformance.PSNR(ctx, src, path("short.mkv")); err == nil || !strings.Contains(err.Error(), "59 frames, want 60") {
		t.Errorf("PSNR of a 59-frame file = %v, want a frame count error", err)
	}
}

// TestPacketHashes proves a stream copy hashes equal to its source within
// a container family and a re-encode does not.
func TestPacketHashes(t *testing.T) {
	t.Parallel()
	need(t, "ffmpeg")
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	src := path("src.mp4")
	ffmpegJob(t, src, x264, aac, nil, nil)
	ffmpeg(t, "-i", src, "-map", "0", "-c", "copy", path("copy.mkv"))
	ffmpeg(t, "-i", src, "-map", "0", "-c", "copy", path("copy.mov"))
	ffmpeg(t, "-i", src, "-map", "0", "-c", "copy", path("copy.ts"))
	ffmpeg(t, "-i", src, "-map", "0", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-c:a", "aac", "-b:a", "64k", path("reenc.mp4"))
	ctx := t.Context()
	hashes := func(p, stream string) []string {
		t.Helper()
		h, err := conformance.PacketHashes(ctx, p, stream)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, stream := range []string{"v:0", "a:0"} {
		want := hashes(src, stream)
		if stream == "v:0" && len(want) != 60 {
			t.Errorf("%s: %d hashes, want 60", stream, len(want))
		}
		for _, name := range []string{"copy.mkv", "copy.mov"} {
			if err := conformance.EqualHashes(hashes(path(name), stream), want); err != nil {
				t.Errorf("%s %s: %v", name, stream, err)
			}
		}
		// Annex B and ADTS in MPEG-TS: a different bitstream family.
		if err := conformance.EqualHashes(hashes(path("copy.ts"), stream), want); err == nil {
			t.Errorf("copy.ts %s: hashes equal to the MP4's, want them to differ", stream)
		}
		err := conformance.EqualHashes(hashes(path("reenc.mp4"), stream), want)
		if err == nil || !strings.Contains(err.Error(), "packet 0 differs") {
			t.Errorf("reenc.mp4 %s: %v, want packet 0 to differ", stream, err)
		}
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package backends_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/conformance"
	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// The encode matrix: the core's test pattern and sine through each
// backend's encoders into each container that holds the pair.
const (
	encFrames = 60 // 2 s at 30 fps
	encWidth  = 320
	encHeight = 240
)

var fps = frame.Rational{Num: 30, Den: 1}

// cell is one backend × container × codec pair of the matrix.
type cell struct {
	ext          string
	video, audio frame.Format
}

func (c cell) String() string { return fmt.Sprintf("%s/%v+%v", c.ext, c.video, c.audio) }

// gstMuxer is the gst backend's muxer for the container of ext.
func gstMuxer(ext string) string {
	c, err := media.ContainerOf(media.Output{URL: "x" + ext})
	if err != nil {
		panic(err)
	}
	m, _ := gst.Muxer(c.Name)
	return m
}

var gstCells = []cell{
	{".mp4", frame.H264, frame.AAC}, {".mp4", frame.H265, frame.AAC}, {".mp4", frame.VP9, frame.Opus}, {".mp4", frame.AV1, frame.AAC},
	{".mkv", frame.H264, frame.Opus}, {".mkv", frame.VP9, frame.AAC}, {".mkv", frame.AV1, frame.Opus},
	{".webm", frame.VP8, frame.Opus}, {".webm", frame.VP9, frame.Opus},
	{".ts", frame.H264, frame.AAC}, {".ts", frame.H265, frame.AAC}, {".ts", frame.H264, frame.Opus},
	{".flv", frame.H264, frame.AAC},
}

var ffmpegCells = []cell{
	{".mp4", frame.H264, frame.AAC}, {".mp4", frame.H265, frame.AAC}, {".mp4", frame.AV1, frame.Opus},
	{".mkv", frame.H264, frame.Opus}, {".mkv", frame.VP9, frame.AAC}, {".mkv", frame.VP8, frame.Opus},
	{".webm", frame.VP8, frame.Opus}, {".webm", frame.VP9, frame.Opus}, {".webm", frame.AV1, frame.Opus},
	{".ts", frame.H264, frame.AAC}, {".ts", frame.H265, frame.AAC},
}

// avSources adds the test pattern and a tone as long as it (1024-sample
// frames at 48 kHz) to g.
func avSources(g *stream.Graph, frames int, live bool) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio]) {
	video := stream.AddSource(g, "pattern", &stage.Pattern{Width: encWidth, Height: encHeight, FPS: fps, Frames: frames, Live: live})
	tone := &stage.Sine{Samples: 1024, Live: live}
	if frames > 0 {
		tone.Frames = (frames*48000/30 + 512) / 1024 // nearest: within half a frame of the video
	}
	return video, stream.AddSource(g, "sine", tone)
}

// gstEncode builds pattern + sine → gst encoders → gst muxer → path.
func gstEncode(t testing.TB, g *stream.Graph, c cell, video *stream.Pipe[frame.Video], audio *stream.Pipe[frame.Audio], path string) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio]) {
	t.Helper()
	venc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: c.video, Preset: "veryfast", KeyframeInterval: 30})
	if err != nil {
		t.Fatal(err)
	}
	aenc, err := gst.NewAudioEncoder(gst.EncoderConfig{Codec: c.audio})
	if err != nil {
		t.Fatal(err)
	}
	ve := stream.AddTransform(g, "video-encoder", video, venc)
	ae := stream.AddTransform(g, "audio-encoder", audio, aenc)
	sink := &gst.MuxSink{Video: gst.MuxParser(c.video), Audio: gst.MuxParser(c.audio), Muxer: gstMuxer(c.ext), Output: "filesink location=" + path}
	g.Add("mux", func(ctx context.Context) error { return sink.Run(ctx, ve.In(), ae.In()) }).Reads(ve, ae)
	return ve, ae
}

// ffmpegEncode builds the same with FFmpeg encoders and muxer.
func ffmpegEncode(t testing.TB, g *stream.Graph, c cell, video *stream.Pipe[frame.Video], audio *stream.Pipe[frame.Audio], path string) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio]) {
	t.Helper()
	global := ffmpeg.WantsGlobalHeader(path, "")
	venc := &ffmpeg.Encoder[frame.Video]{Format: c.video, GOP: 30, GlobalHeader: global, Threads: 2}
	switch c.video {
	case frame.H264, frame.H265:
		venc.Preset = "veryfast"
	case frame.VP8, frame.VP9:
		venc.Preset = "realtime"
		venc.Options = map[string]string{"cpu-used": "8"}
	}
	ve := stream.AddTransform(g, "video-encoder", video, venc)
	ae := stream.AddTransform(g, "audio-encoder", audio, &ffmpeg.Encoder[frame.Audio]{Format: c.audio, GlobalHeader: global})
	ffmpeg.AddMux(g, "mux", &ffmpeg.Mux{URL: path}, ve, ae)
	return ve, ae
}

type encoder func(testing.TB, *stream.Graph, cell, *stream.Pipe[frame.Video], *stream.Pipe[frame.Audio], string) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio])

var backends = []struct {
	name   string
	cells  []cell
	encode encoder
	cli    func(t testing.TB, c cell, path string) // the same job by the backend's own CLI
}{
	{"gst", gstCells, gstEncode, gstLaunchEncode},
	{"ffmpeg", ffmpegCells, ffmpegEncode, ffmpegCLIEncode},
}

// cliFails names the cells where the backend's own CLI writes a file that
// fails the checks, and why; ours must pass there all the same.
var cliFails = map[string]string{
	"gst.flv": "GStreamer 1.22's flvmux writes a DTS before zero as 0, so B-frames repeat DTS",
}

// The CLIs' encoder names per codec.
var (
	gstEncoders = map[frame.Format]string{
		frame.H264: "x264enc speed-preset=veryfast key-int-max=30", frame.H265: "x265enc speed-preset=veryfast key-int-max=30",
		frame.VP8: "vp8enc deadline=1 keyframe-max-dist=30", frame.VP9: "vp9enc deadline=1 keyframe-max-dist=30",
		frame.AV1: "av1enc cpu-used=8 usage-profile=realtime keyframe-max-dist=30", frame.AAC: "avenc_aac", frame.Opus: "opusenc",
	}
	ffmpegEncoders = map[frame.Format][]string{
		frame.H264: {"libx264", "-preset", "veryfast"}, frame.H265: {"libx265", "-preset", "veryfast"},
		frame.VP8: {"libvpx", "-deadline", "realtime", "-cpu-used", "8"}, frame.VP9: {"libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"},
		frame.AV1: {"libsvtav1"}, frame.AAC: {"aac"}, frame.Opus: {"libopus"},
	}
)

// gstLaunchEncode makes encFrames of videotestsrc and as long a tone into
// path with gst-launch-1.0 -e, through the elements our gst cells use.
func gstLaunchEncode(t testing.TB, c cell, path string) {
	t.Helper()
	desc := fmt.Sprintf("videotestsrc num-buffers=%d ! video/x-raw,format=I420,width=%d,height=%d,framerate=30/1 ! %s ! %s ! queue ! %s name=m ! filesink location=%s "+
		"audiotestsrc num-buffers=%d samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! %s ! %s ! queue ! m.",
		encFrames, encWidth, encHeight, gstEncoders[c.video], gst.MuxParser(c.video), gstMuxer(c.ext), path,
		(encFrames*48000/30+512)/1024, gstEncoders[c.audio], gst.MuxParser(c.audio))
	args := append([]string{"-q", "-e"}, strings.Fields(desc)...)
	if out, err := exec.Command("gst-launch-1.0", args...).CombinedOutput(); err != nil {
		t.Fatalf("gst-launch-1.0 %s: %v\n%s", desc, err, out)
	}
}

// ffmpegCLIEncode makes the same with the ffmpeg CLI and the encoders our
// ffmpeg cells use.
func ffmpegCLIEncode(t testing.TB, c cell, path string) {
	t.Helper()
	seconds := strconv.FormatFloat(float64(encFrames)/30, 'f', -1, 64)
	args := []string{"-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=30:duration=%s", encWidth, encHeight, seconds),
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + seconds,
		"-g", "30", "-c:v"}
	args = append(append(args, ffmpegEncoders[c.video]...), "-c:a")
	args = append(append(args, ffmpegEncoders[c.audio]...), path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// expectAV is what a file made from encFrames of the pattern and its tone
// must show.
func expectAV(frames int) conformance.Expect {
	d := time.Duration(frames) * time.Second / 30
	return conformance.Expect{
		VideoFrames: frames, FrameRate: [2]int{30, 1},
		VideoDuration: d, AudioDuration: d, CheckAVOffset: true,
		AudioFrameDur: 1024 * time.Second / 48000,
	}
}

func probe(t testing.TB, path string) *conformance.File {
	t.Helper()
	f, err := conformance.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func needTools(t testing.TB) {
	for _, tool := range []string{"ffprobe", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: the suite checks outputs with it", tool)
		}
	}
}

func TestEncodeMatrix(t *testing.T) {
	needTools(t)
	for _, b := range backends {
		for _, c := range b.cells {
			t.Run(b.name+"/"+c.String(), func(t *testing.T) {
				stagetest.NoLeaks(t)
				path := filepath.Join(t.TempDir(), "out"+c.ext)
				g := stream.New()
				v, a := avSources(g, encFrames, false)
				ve, ae := b.encode(t, g, c, v, a, path)
				if err := g.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				f := probe(t, path)
				vs, _ := f.Video()
				if got := ve.Stats().Received; vs.Frames != int(got) {
					t.Errorf("the muxer took %d video frames, ffprobe decodes %d", got, vs.Frames)
				}
				if err := conformance.Check(f, expectAV(encFrames)); err != nil {
					t.Errorf("%s (muxer took %d video, %d audio frames):\n%v", path, ve.Stats().Received, ae.Stats().Received, err)
				}
				// Fair: the backend's own CLI passes the same checks on the
				// same job, except where it is known not to.
				cli := filepath.Join(t.TempDir(), "cli"+c.ext)
				b.cli(t, c, cli)
				err := conformance.Check(probe(t, cli), expectAV(encFrames))
				switch why := cliFails[b.name+c.ext]; {
				case why == "" && err != nil:
					t.Errorf("the %s CLI's own output fails the checks (unfair check?): %v", b.name, err)
				case why != "" && err == nil:
					t.Errorf("the %s CLI's own output passes, though %s: drop the exception", b.name, why)
				case why != "":
					t.Logf("the %s CLI's own output fails, as expected (%s): %v", b.name, why, err)
				}
			})
		}
	}
}

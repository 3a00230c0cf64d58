// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// transcode runs demux → decode → encode → mux for video and audio.
func transcode(ctx context.Context, in, out string, venc *ffmpeg.Encoder[V], aenc *ffmpeg.Encoder[A], mux *ffmpeg.Mux) error {
	g := stream.New()
	vp, ap := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, venc != nil, aenc != nil)
	var vout *stream.Pipe[V]
	var aout *stream.Pipe[A]
	if venc != nil {
		raw := stream.AddTransform(g, "vdec", vp, ffmpeg.NewVideoDecoder())
		vout = stream.AddTransform(g, "venc", raw, venc)
	}
	if aenc != nil {
		raw := stream.AddTransform(g, "adec", ap, ffmpeg.NewAudioDecoder())
		aout = stream.AddTransform(g, "aenc", raw, aenc)
	}
	if mux == nil {
		mux = &ffmpeg.Mux{}
	}
	mux.URL = out
	ffmpeg.AddMux(g, "", mux, vout, aout)
	return g.Run(ctx)
}

// span returns when the first packet of a stream starts and when the last
// one ends, by presentation time, as ffprobe reads them.
func span(t *testing.T, path, sel string) (start, end float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", sel, "-show_entries", "packet=pts_time,duration_time",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	start = math.Inf(1)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, ",")
		if len(f) < 2 {
			continue
		}
		pts, err1 := strconv.ParseFloat(f[0], 64)
		dur, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil {
			continue
		}
		if err2 != nil {
			dur = 0
		}
		start, end = math.Min(start, pts), math.Max(end, pts+dur)
	}
	return start, end
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func TestTranscodeContainers(t *testing.T) {
	in := h264AAC(t)
	cases := []struct {
		name, out      string
		vformat        frame.Format
		aformat        frame.Format
		vcodec, acodec string
	}{
		{"mp4 h264 aac", "out.mp4", frame.H264, frame.AAC, "h264", "aac"},
		{"mkv h265 opus", "out.mkv", frame.H265, frame.Opus, "hevc", "opus"},
		{"webm vp9 opus", "out.webm", frame.VP9, frame.Opus, "vp9", "opus"},
		{"webm vp8 opus", "out8.webm", frame.VP8, frame.Opus, "vp8", "opus"},
		{"ts h264 aac", "out.ts", frame.H264, frame.AAC, "h264", "aac"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t)
			out := filepath.Join(t.TempDir(), c.out)
			global := filepath.Ext(c.out) != ".ts"
			venc := &ffmpeg.Encoder[V]{Format: c.vformat, Preset: "ultrafast", GOP: 30, GlobalHeader: global}
			if c.vformat == frame.VP8 || c.vformat == frame.VP9 {
				venc.Preset = "realtime"
				venc.Options = map[string]string{"cpu-used": "8"}
			}
			if c.vformat == frame.H265 {
				venc.Options = map[string]string{"x265-params": "log-level=error"}
			}
			aenc := &ffmpeg.Encoder[A]{Format: c.aformat, BitRate: 64000, GlobalHeader: global}
			if err := transcode(context.Background(), in, out, venc, aenc, nil); err != nil {
				t.Fatal(err)
			}
			v := probe(t, out, "v:0", "stream=codec_name,width,height,nb_read_frames")
			if v["codec_name"] != c.vcodec || v["width"] != "320" || v["height"] != "240" || v["nb_read_frames"] != "60" {
				t.Errorf("video: %v", v)
			}
			a := probe(t, out, "a:0", "stream=codec_name,sample_rate,nb_read_frames")
			if a["codec_name"] != c.acodec || a["sample_rate"] != "48000" || atoi(t, a["nb_read_frames"]) < 50 {
				t.Errorf("audio: %v", a)
			}
			// Audio and video start and end together, within a frame of
			// each: the encoders pad their last frame (Opus 20 ms, AAC 21 ms).
			vs, ve := span(t, out, "v:0")
			as, ae := span(t, out, "a:0")
			if d := math.Abs(vs - as); d > 1.0/30 {
				t.Errorf("video starts at %.3f s, audio at %.3f s", vs, as)
			}
			if d := math.Abs(ve - ae); d > 1.0/30+0.022 {
				t.Errorf("video ends at %.3f s, audio at %.3f s", ve, ae)
			}
		})
	}
}

func TestDecodeVideo(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		args []string
	}{
		// B-frames: the last frames come out only when the decoder is drained.
		{"h264-bframes.mkv", 640, 360, []string{"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-an"}},
		// An odd size: chroma planes round up.
		{"odd-vp9.webm", 641, 361, []string{"-vf", "scale=641:361", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-an"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t)
			in := media(t, c.name, fmt.Sprintf("%dx%d", c.w, c.h), "1", c.args...)
			g := stream.New()
			vp, _ := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, true, false)
			raw := stream.AddTransform(g, "", vp, &ffmpeg.Decoder[V]{Threads: 2})
			col := &stage.Collect[V]{}
			defer col.Release()
			stream.AddSink(g, "", raw, col)
			copied := frame.CopiedBytes()
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			fs := col.Frames()
			if len(fs) != 30 {
				t.Fatalf("%d frames, want 30 (delayed frames flushed)", len(fs))
			}
			cw, ch := (c.w+1)/2, (c.h+1)/2
			for i, v := range fs {
				if v.Format != frame.I420 || v.Width != c.w || v.Height != c.h || v.Strides[0] < c.w || v.Strides[1] < cw {
					t.Fatalf("frame %d: %v strides %v", i, v, v.Strides)
				}
				if want := time.Duration(i) * time.Second / 30; v.PTS < want-time.Millisecond || v.PTS > want+time.Millisecond {
					t.Fatalf("frame %d: pts %v, want %v", i, v.PTS, want)
				}
				if _, ok := v.Data.(*ffmpeg.FrameData); !ok || v.Data.Location() != frame.CPU {
					t.Fatalf("frame %d: %T in %v memory, want an AVFrame's", i, v.Data, v.Data.Location())
				}
			}
			planes, err := fs[0].Planes(context.Background())
			if err != nil || len(planes) != 3 || len(planes[0]) != fs[0].Strides[0]*c.h || len(planes[1]) != fs[0].Strides[1]*ch {
				t.Fatalf("planes: %d, %v", len(planes), err)
			}
			if frame.CopiedBytes() != copied {
				t.Errorf("%d bytes copied on ffmpeg hops", frame.CopiedBytes()-copied)
			}
		})
	}
}

func TestDecodeAudio(t *testing.T) {
	noLeaks(t)
	in := h264AAC(t)
	g := stream.New()
	_, ap := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, false, true)
	raw := stream.AddTransform(g, "", ap, ffmpeg.NewAudioDecoder())
	col := &stage.Collect[A]{}
	defer col.Release()
	stream.AddSink(g, "", raw, col)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, a := range col.Frames() {
		if a.Format != frame.F32P || a.Rate != 48000 || a.Channels != 1 {
			t.Fatalf("%v", a)
		}
		planes, _ := a.Planes(context.Background())
		if len(planes) != 1 || len(planes[0]) != a.Samples*4 {
			t.Fatalf("planes %d", len(planes))
		}
		total += a.Samples
	}
	if total < 96000 || total > 96000+2048 {
		t.Errorf("%d samples, want about 96000", total)
	}
}

// A CPU frame of another backend (stage.Pattern) into the Encoder: copied
// once, counted, and the file is right.
func TestEncodePatternFromCPU(t *testing.T) {
	noLeaks(t)
	out := filepath.Join(t.TempDir(), "pattern.mp4")
	g := stream.New()
	src := stream.AddSource[V](g, "", &stage.Pattern{Width: 320, Height: 240, Frames: 30})
	enc := stream.AddTransform(g, "", src, &ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast", GlobalHeader: true})
	ffmpeg.AddMux(g, "", &ffmpeg.Mux{URL: out}, enc, nil)
	copied := frame.CopiedBytes()
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := frame.CopiedBytes()-copied, int64(30*320*240*3/2); got != want {
		t.Errorf("copied %d bytes, want %d (one copy per frame)", got, want)
	}
	v := probe(t, out, "v:0", "stream=codec_name,width,height,nb_read_frames,r_frame_rate")
	if v["codec_name"] != "h264" || v["nb_read_frames"] != "30" || v["r_frame_rate"] != "30/1" {
		t.Errorf("%v", v)
	}
}

// Formats streamer has no name for are converted: 10-bit video to I420
// (swscale), 32-bit PCM (a codec without a streamer Format) to F32P.
func TestDecodeConvertsUnnamedFormats(t *testing.T) {
	noLeaks(t)
	in := media(t, "10bit_pcm.mkv", "320x240", "0.5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
		"-c:a", "pcm_s32le")
	g := stream.New()
	vp, ap := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, true, true)
	vr := stream.AddTransform(g, "", vp, ffmpeg.NewVideoDecoder())
	ar := stream.AddTransform(g, "", ap, ffmpeg.NewAudioDecoder())
	vc, ac := &stage.Collect[V]{}, &stage.Collect[A]{}
	defer vc.Release()
	defer ac.Release()
	stream.AddSink(g, "", vr, vc)
	stream.AddSink(g, "", ar, ac)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(vc.Frames()) != 15 || len(ac.Frames()) == 0 {
		t.Fatalf("%d video, %d audio frames", len(vc.Frames()), len(ac.Frames()))
	}
	for _, v := range vc.Frames() {
		planes, err := v.Planes(context.Background())
		if err != nil || v.Format != frame.I420 || v.Width != 320 || len(planes) != 3 || len(planes[0]) < 320*240 {
			t.Fatalf("%v: %d planes, %v", v, len(planes), err)
		}
	}
	samples := 0
	for _, a := range ac.Frames() {
		if a.Format != frame.F32P || a.Rate != 48000 || a.Channels != 1 {
			t.Fatalf("%v", a)
		}
		samples += a.Samples
	}
	if samples != 24000 {
		t.Errorf("%d samples, want 24000", samples)
	}
	// The same with an explicit format: NV12.
	g = stream.New()
	vp, _ = ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, true, false)
	vr = stream.AddTransform(g, "", vp, &ffmpeg.Decoder[V]{Format: frame.NV12})
	nv := &stage.Collect[V]{}
	defer nv.Release()
	stream.AddSink(g, "", vr, nv)
	if err := g.Run(context.Background()); err != nil || len(nv.Frames()) != 15 || nv.Frames()[0].Format != frame.NV12 {
		t.Fatalf("NV12: %v, %d frames", err, len(nv.Frames()))
	}
}

// An encoder without GlobalHeader into MKV: the muxer takes the parameter
// sets from the first frame.
func TestMuxInBandHeadersToMKV(t *testing.T) {
	for _, f := range []frame.Format{frame.H264, frame.H265} {
		t.Run(f.String(), func(t *testing.T) {
			noLeaks(t)
			out := filepath.Join(t.TempDir(), "inband.mkv")
			g := stream.New()
			src := stream.AddSource[V](g, "", &stage.Pattern{Width: 320, Height: 240, Frames: 20})
			enc := stream.AddTransform(g, "", src, &ffmpeg.Encoder[V]{Format: f, Preset: "ultrafast"})
			ffmpeg.AddMux(g, "", &ffmpeg.Mux{URL: out}, enc, nil)
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			v := probe(t, out, "v:0", "stream=codec_name,nb_read_frames")
			if v["nb_read_frames"] != "20" {
				t.Errorf("%v", v)
			}
		})
	}
}

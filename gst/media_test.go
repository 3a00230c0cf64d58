// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// makeAV writes a 1-second MP4 with gst-launch-1.0: 30 frames of 160x120
// H.264 (with B-frames) and 48 kHz stereo AAC.
func makeAV(t *testing.T) string { return makeAVFor(t, 1) }

// makeAVFor writes such an MP4 lasting seconds.
func makeAVFor(t *testing.T, seconds int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "av.mp4")
	n := strconv.Itoa(30 * seconds)
	out, err := exec.Command("gst-launch-1.0", "-q",
		"videotestsrc", "num-buffers="+n, "!", "video/x-raw,format=I420,width=160,height=120,framerate=30/1", "!",
		"x264enc", "speed-preset=ultrafast", "bframes=2", "!", "h264parse", "!", "queue", "!", "mp4mux", "name=m", "!", "filesink", "location="+path,
		"audiotestsrc", "num-buffers="+n, "samplesperbuffer=1600", "!", "audio/x-raw,rate=48000,channels=2", "!",
		"avenc_aac", "!", "aacparse", "!", "queue", "!", "m.").CombinedOutput()
	if err != nil {
		t.Fatalf("gst-launch-1.0: %v\n%s", err, out)
	}
	return path
}

// probeCount returns ffprobe's count of the packets of the first stream
// of kind ("v" or "a") in path.
func probeCount(t *testing.T, path, kind string) int {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-select_streams", kind+":0",
		"-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path).CombinedOutput()
	n, perr := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || perr != nil {
		t.Fatalf("ffprobe %s: %v %v\n%s", path, err, perr, out)
	}
	return n
}

// probe returns ffprobe's entries (csv) for the first stream of kind.
func probe(t *testing.T, path, kind, entries string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", kind+":0",
		"-show_entries", entries, "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	return strings.TrimSpace(string(out))
}

// openAll opens in through the gst backend and collects what it sends.
func openAll(t *testing.T, in media.Input) (media.Streams, *stage.Collect[V], *stage.Collect[A], error) {
	t.Helper()
	d, err := media.Open(in, "gst")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	vp, ap := media.AddInput(g, "input", d)
	vs, as := &stage.Collect[V]{}, &stage.Collect[A]{}
	t.Cleanup(vs.Release)
	t.Cleanup(as.Release)
	if vp != nil {
		stream.AddSink(g, "video", vp, vs)
	}
	if ap != nil {
		stream.AddSink(g, "audio", ap, as)
	}
	return d.Streams(), vs, as, g.Run(context.Background())
}

// Open of an MP4 reports its streams and sends every packet as it is
// (Annex B H.264 with parameter sets, ADTS AAC), or decoded.
func TestMediaOpenStreamCopyAndDecode(t *testing.T) {
	noLeaks(t)
	path := makeAV(t)
	vn, an := probeCount(t, path, "v"), probeCount(t, path, "a")

	s, vs, as, err := openAll(t, media.Input{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	if s != (media.Streams{Video: frame.H264, Audio: frame.AAC}) {
		t.Fatalf("streams %v", s)
	}
	v, a := vs.Frames(), as.Frames()
	if len(v) != vn || vn != 30 || len(a) != an {
		t.Fatalf("%d video (file %d), %d audio (file %d) frames", len(v), vn, len(a), an)
	}
	if v[0].Format != frame.H264 || !v[0].Keyframe || v[0].Codec == nil || v[0].Width != 160 || a[0].Format != frame.AAC {
		t.Fatalf("first frames %v %v", v[0], a[0])
	}
	planes, err := v[0].Planes(context.Background())
	if err != nil || len(planes[0]) < 5 || planes[0][0] != 0 || planes[0][1] != 0 {
		t.Fatalf("video is not Annex B: %v % x", err, planes[0][:min(8, len(planes[0]))])
	}
	vs.Release()
	as.Release()

	s, vs, as, err = openAll(t, media.Input{URL: path, Decode: true})
	if err != nil {
		t.Fatal(err)
	}
	if s != (media.Streams{Video: frame.I420, Audio: frame.F32P}) {
		t.Fatalf("decoded streams %v", s)
	}
	samples := 0
	for _, f := range as.Frames() {
		samples += f.Samples
		if f.Format != frame.F32P || f.Rate != 48000 || f.Channels != 2 {
			t.Fatalf("audio frame %v", f)
		}
	}
	v = vs.Frames()
	if len(v) != 30 || v[0].Format != frame.I420 || v[0].Width != 160 || v[0].Height != 120 || math.Abs(float64(samples-48000)) > 2048 {
		t.Fatalf("%d video frames (%v), %d samples", len(v), v[0], samples)
	}
}

// Open fails at build for a missing file, and leaves out the kinds asked.
func TestMediaOpenErrorsAndChoices(t *testing.T) {
	noLeaks(t)
	_, err := media.Open(media.Input{URL: filepath.Join(t.TempDir(), "nosuch.mp4")}, "gst")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "gst: open") {
		t.Fatalf("missing file: %v", err)
	}
	text := filepath.Join(t.TempDir(), "text.mp4")
	if err := os.WriteFile(text, []byte("not media at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := media.Open(media.Input{URL: text}, "gst"); err == nil {
		t.Fatal("a text file opened")
	}
	if _, err := media.Open(media.Input{URL: "nosuchscheme://x/y"}, "gst"); !errors.Is(err, media.ErrUnsupported) {
		t.Fatalf("unknown scheme: %v", err)
	}
	path := makeAV(t)
	s, vs, as, err := openAll(t, media.Input{URL: "file://" + path, NoVideo: true})
	if err != nil || s != (media.Streams{Audio: frame.AAC}) || len(vs.Frames()) != 0 || len(as.Frames()) == 0 {
		t.Fatalf("NoVideo: %v %v %d %d", err, s, len(vs.Frames()), len(as.Frames()))
	}
}

// A reader that stops early (Max) leaves the other stream whole.
func TestMediaOpenReaderStopsEarly(t *testing.T) {
	noLeaks(t)
	path := makeAV(t)
	d, err := media.Open(media.Input{URL: path}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	vp, ap := media.AddInput(g, "input", d)
	vs, as := &stage.Collect[V]{Max: 3}, &stage.Collect[A]{}
	defer vs.Release()
	defer as.Release()
	stream.AddSink(g, "video", vp, vs)
	stream.AddSink(g, "audio", ap, as)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(vs.Frames()) != 3 || len(as.Frames()) != probeCount(t, path, "a") {
		t.Fatalf("%d video, %d audio frames", len(vs.Frames()), len(as.Frames()))
	}
}

// Realtime paces the input to its timestamps; cancel stops it at once.
func TestMediaOpenRealtimeAndCancel(t *testing.T) {
	noLeaks(t)
	path := makeAV(t)
	start := time.Now()
	if _, vs, _, err := openAll(t, media.Input{URL: path, Decode: true, Realtime: true}); err != nil || len(vs.Frames()) != 30 {
		t.Fatalf("%v, %d frames", err, len(vs.Frames()))
	}
	if took := time.Since(start); took < 800*time.Millisecond {
		t.Fatalf("a 1 s input took %v in real time", took)
	}
	d, err := media.Open(media.Input{URL: path, Realtime: true}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	vp, ap := media.AddInput(g, "input", d)
	stream.AddSink(g, "video", vp, &stage.Null[V]{})
	stream.AddSink(g, "audio", ap, &stage.Null[A]{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := g.Run(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 700*time.Millisecond {
		t.Fatalf("cancelled run: %v after %v", err, time.Since(start))
	}
}

// Every job, built through package media, in one graph: scale, encode,
// decode (codec from the frames), resample, encode, decode.
func TestMediaJobsInAGraph(t *testing.T) {
	noLeaks(t)
	scale, err := media.NewScaler(media.Scaling{Width: 160, Height: 120, Format: frame.NV12}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	// veryfast alone makes High profile (CABAC, 8x8 transforms).
	venc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Rate: media.CRF, Quality: 28,
		Preset: media.PresetFast, KeyframeInterval: 10, Profile: "baseline", LowLatency: true, Threads: 2}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	vdec, err := media.NewVideoDecoder(media.Decoding{OnError: media.Fail, Threads: 2}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	resample, err := media.NewResampler(media.Resampling{Rate: 24000, Channels: 1, Format: frame.F32P, Samples: 960}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.Opus, Bitrate: 32000}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	adec, err := media.NewAudioDecoder(media.Decoding{Codec: frame.Opus}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	encoded := stream.AddTransform(g, "encode", stream.AddTransform(g, "scale",
		stream.AddSource(g, "pattern", &stage.Pattern{Width: 320, Height: 240, Frames: 30}), scale), venc)
	resampled := stream.AddTransform(g, "resample", stream.AddSource(g, "sine", &stage.Sine{Samples: 1024, Frames: 47}), resample)
	rs, es, vs, as := &stage.Collect[A]{}, &stage.Collect[V]{}, &stage.Collect[V]{}, &stage.Collect[A]{}
	for _, c := range []interface{ Release() }{rs, es, vs, as} {
		defer c.Release()
	}
	teeV, teeA := stream.NewPipe[V](g), stream.NewPipe[V](g)
	g.Add("tee", func(ctx context.Context) error {
		return stage.Tee[V]{}.Run(ctx, encoded.In(), []stage.Out[V]{teeV.Out(), teeA.Out()})
	}).Reads(encoded).Writes(teeV, teeA)
	stream.AddSink(g, "encoded", teeV, es)
	stream.AddSink(g, "decoded", stream.AddTransform(g, "decode", teeA, vdec), vs)
	teeR, teeE := stream.NewPipe[A](g), stream.NewPipe[A](g)
	g.Add("atee", func(ctx context.Context) error {
		return stage.Tee[A]{}.Run(ctx, resampled.In(), []stage.Out[A]{teeR.Out(), teeE.Out()})
	}).Reads(resampled).Writes(teeR, teeE)
	stream.AddSink(g, "resampled", teeR, rs)
	stream.AddSink(g, "audio", stream.AddTransform(g, "adecode", stream.AddTransform(g, "aencode", teeE, aenc), adec), as)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	e, v := es.Frames(), vs.Frames()
	if len(e) != 30 || e[0].Codec == nil || !strings.HasSuffix(e[0].Codec.Profile, "baseline") || len(v) != 30 || v[0].Width != 160 || v[0].Height != 120 {
		t.Fatalf("%d encoded (%v), %d decoded (%v)", len(e), e[0].Codec, len(v), v[0])
	}
	for i, f := range e {
		if f.Keyframe != (i%10 == 0) {
			t.Fatalf("frame %d keyframe %v: KeyframeInterval 10 did not reach x264enc", i, f.Keyframe)
		}
	}
	r := rs.Frames()
	if len(r) < 24 || r[0].Format != frame.F32P || r[0].Rate != 24000 || r[0].Channels != 1 || r[0].Samples != 960 {
		t.Fatalf("%d resampled frames, first %v", len(r), r[0])
	}
	if a := as.Frames(); len(a) == 0 || a[0].Rate != 48000 && a[0].Rate != 24000 {
		t.Fatalf("decoded audio: %d frames", len(a))
	}
}

// encodeFile encodes 60 frames of src (a launch description of raw
// video) with e into path through the gst muxer for path's container.
func encodeFile(t *testing.T, src string, e media.VideoEncoding, path string) {
	t.Helper()
	enc, err := media.NewVideoEncoder(e, "gst")
	if err != nil {
		t.Fatal(err)
	}
	mux, err := media.Create(media.Output{URL: path, Video: e.Codec}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	encoded := stream.AddTransform(g, "encode", stream.AddSource(g, "src", gst.NewSource[V](src)), enc)
	media.AddOutput(g, "mux", mux, encoded, nil)
	if err := g.Run(context.Background()); err != nil {
		t.Fatalf("%v into %s: %v", e.Codec, filepath.Base(path), err)
	}
}

const noise = "videotestsrc pattern=snow num-buffers=60 ! video/x-raw,format=I420,width=160,height=120,framerate=30/1"

// Rate control reaches the elements: a CBR target is what the file holds
// (x264enc and x265enc take kbit/s, vp8enc bit/s), and CRF 10 makes a
// bigger file than CRF 40.
func TestMediaRateControlReachesTheEncoder(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	for _, c := range []struct {
		codec   frame.Format
		ext     string
		bitrate int64 // libvpx cannot take 160x120 noise below about 600 kbit/s
	}{{frame.H264, ".mp4", 300_000}, {frame.H265, ".mkv", 300_000}, {frame.VP8, ".mkv", 1_000_000}} {
		path := filepath.Join(dir, "cbr-"+c.codec.String()+c.ext)
		encodeFile(t, noise, media.VideoEncoding{Codec: c.codec, Rate: media.CBR, Bitrate: c.bitrate, Preset: media.PresetFast}, path)
		info, _ := os.Stat(path)
		got := float64(info.Size()*8) / 2 // bits per second of a 2 s file
		if math.Abs(got-float64(c.bitrate)) > 0.3*float64(c.bitrate) {
			t.Errorf("%v CBR %d kbit/s: the file holds %.0f kbit/s", c.codec, c.bitrate/1000, got/1000)
		}
	}
	for _, codec := range []frame.Format{frame.H264, frame.H265, frame.VP8} {
		var sizes [2]int64
		for i, q := range []int{10, 40} {
			path := filepath.Join(dir, "crf"+strconv.Itoa(q)+codec.String()+".mkv")
			encodeFile(t, "videotestsrc pattern=ball num-buffers=60 ! video/x-raw,format=I420,width=160,height=120,framerate=30/1",
				media.VideoEncoding{Codec: codec, Rate: media.CRF, Quality: q, Preset: media.PresetFastest}, path)
			info, _ := os.Stat(path)
			sizes[i] = info.Size()
		}
		if sizes[0] <= sizes[1]*3/2 {
			t.Errorf("%v: CRF 10 made %d bytes, CRF 40 %d", codec, sizes[0], sizes[1])
		}
	}
}

// VP9 goes into MP4 through vp9parse, which gives mp4mux the profile.
func TestMediaWriteVP9IntoMP4(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "vp9.mp4")
	encodeFile(t, "videotestsrc num-buffers=30 ! video/x-raw,format=I420,width=160,height=120,framerate=30/1",
		media.VideoEncoding{Codec: frame.VP9, Rate: media.VBR, Bitrate: 200_000, MaxBitrate: 400_000, Preset: media.PresetBest}, path)
	if got := probe(t, path, "v", "stream=codec_name,width,height"); got != "vp9,160,120" || probeCount(t, path, "v") != 30 {
		t.Fatalf("ffprobe: %s", got)
	}
}

// A stream copy from MP4 into Matroska keeps every packet of both streams.
func TestMediaStreamCopyIntoMatroska(t *testing.T) {
	noLeaks(t)
	in := makeAV(t)
	out := filepath.Join(t.TempDir(), "copy.mkv")
	d, err := media.Open(media.Input{URL: in}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	s := d.Streams()
	m, err := media.Create(media.Output{URL: out, Video: s.Video, Audio: s.Audio}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	vp, ap := media.AddInput(g, "input", d)
	media.AddOutput(g, "output", m, vp, ap)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"v", "a"} {
		if got, want := probeCount(t, out, k), probeCount(t, in, k); got != want {
			t.Errorf("%s: %d packets, the input has %d", k, got, want)
		}
	}
}

// What an element cannot do is refused at build, with its reason in the
// selection error.
func TestMediaRefusalsSayWhy(t *testing.T) {
	for _, c := range []struct {
		build func() error
		want  []string
	}{
		{func() error {
			_, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.AV1, Rate: media.CRF, Quality: 30}, "gst")
			return err
		}, []string{"av1enc", "cq-level"}},
		{func() error {
			_, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Rate: media.CRF, Quality: 51}, "gst")
			return err
		}, []string{"x264enc: CRF 51: its quantizer stops at 50", "openh264enc: no constant-quality level"}},
		{func() error {
			_, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.VP9, Profile: "high"}, "gst")
			return err
		}, []string{`vp9enc: profile "high": it makes`}},
		{func() error {
			_, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.VP9, Rate: media.CRF, Quality: 30}, "gst")
			return err
		}, []string{"vp9enc: no constant quality"}},
		{func() error {
			_, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.Opus, Rate: 44100}, "gst")
			return err
		}, []string{"opusenc: takes rates"}},
		{func() error {
			_, err := media.NewResampler(media.Resampling{Samples: 1024}, "gst")
			return err
		}, []string{"needs Rate"}},
		{func() error {
			_, err := media.Create(media.Output{URL: filepath.Join(t.TempDir(), "x.y4m")}, "gst")
			return err
		},
			[]string{"no GStreamer muxer for the y4m container"}},
		{func() error {
			_, err := media.Create(media.Output{URL: "icecast://host:9000", Container: "mpegts"}, "gst")
			return err
		},
			[]string{"no GStreamer sink for icecast:// URLs"}},
	} {
		err := c.build()
		if !errors.Is(err, media.ErrUnsupported) {
			t.Errorf("want a refusal saying %q: %v", c.want, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v\ndoes not say %q", err, w)
			}
		}
	}
	if _, err := media.Create(media.Output{URL: filepath.Join(t.TempDir(), "no", "dir.mp4")}, "gst"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
	// x264enc cannot cap a VBR average; the next H.264 element can.
	enc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Rate: media.VBR, Bitrate: 1e6, MaxBitrate: 2e6}, "gst")
	if err != nil || enc.(interface{ Name() string }).Name() != "gst-encoder(openh264enc)" {
		t.Errorf("VBR with a maximum: %v, %v", enc, err)
	}
}

// The decoder that decodebin plugs (no Codec in the description) gets
// the error policy: Fail stops at the damage, Conceal decodes past it.
func TestMediaDecoderErrorPolicy(t *testing.T) {
	noLeaks(t)
	enc, _ := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "ultrafast", KeyframeInterval: 100})
	frames := encode(t, enc, 20).Frames()
	rng := rand.New(rand.NewPCG(1, 2))
	damaged := make([]V, 0, len(frames))
	for i, v := range frames {
		if i >= 10 {
			junk := make([]byte, 2000)
			for j := range junk {
				junk[j] = byte(rng.UintN(256))
			}
			copy(junk, []byte{0, 0, 0, 1, 0x65})
			d := frame.NewBytes(junk)
			defer d.Release()
			v.Data = d
		}
		damaged = append(damaged, v)
	}
	results := map[media.ErrorPolicy]string{}
	for _, policy := range []media.ErrorPolicy{media.Conceal, media.Fail} {
		dec, err := media.NewVideoDecoder(media.Decoding{OnError: policy}, "gst")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := decodeAll(t, damaged, dec)
		results[policy] = fmt.Sprintf("%d frames, error %v", len(raw), err)
		if len(raw) < 9 {
			t.Fatalf("policy %d: %s", policy, results[policy])
		}
		if policy == media.Fail && (err == nil || !strings.Contains(err.Error(), "avdec_h264")) {
			t.Fatalf("Fail: %s", results[policy])
		}
	}
	t.Log(results)
}

// The preset reaches x264enc: ultrafast turns CABAC off (Constrained
// Baseline), veryslow makes High profile.
func TestMediaPresetReachesTheEncoder(t *testing.T) {
	noLeaks(t)
	for preset, want := range map[media.Preset]string{media.PresetFastest: "constrained-baseline", media.PresetBest: "high"} {
		enc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Preset: preset}, "gst")
		if err != nil {
			t.Fatal(err)
		}
		if got := encode(t, enc, 5).Frames(); len(got) != 5 || got[0].Codec.Profile != want {
			t.Errorf("%v: %d frames, profile %s; want %s", preset, len(got), got[0].Codec.Profile, want)
		}
	}
}

// mediaLeakScenarios adds the media backend's jobs to the leak child's
// scenarios: Open (GstDiscoverer, then parsebin or decodebin) to the end
// and cancelled, and Create with one input.
func mediaLeakScenarios(run func(g *stream.Graph, timeout time.Duration)) {
	dir, err := os.MkdirTemp("", "streamer-leaks")
	if err != nil {
		fmt.Println("scenario: temp dir:", err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "av.mkv")
	if out, err := exec.Command("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=30", "!", "video/x-raw,format=I420,width=160,height=120", "!",
		"x264enc", "speed-preset=ultrafast", "!", "matroskamux", "name=m", "!", "filesink", "location="+path,
		"audiotestsrc", "num-buffers=30", "!", "opusenc", "!", "m.").CombinedOutput(); err != nil {
		fmt.Println("scenario: gst-launch-1.0:", err, string(out))
		return
	}
	for _, in := range []media.Input{{URL: path}, {URL: path, Decode: true, Decoding: media.Decoding{OnError: media.Fail}}} {
		for _, timeout := range []time.Duration{30 * time.Second, 100 * time.Millisecond} {
			in.Realtime = timeout < time.Second // paced, so the deadline cancels it
			d, err := media.Open(in, "gst")
			if err != nil {
				fmt.Println("scenario: open:", err)
				continue
			}
			g := stream.New()
			vp, ap := media.AddInput(g, "input", d)
			if in.Decode {
				stream.AddSink(g, "video", vp, &stage.Null[V]{})
			} else if m, err := media.Create(media.Output{URL: filepath.Join(dir, "copy.mp4"), Video: frame.H264}, "gst"); err == nil {
				media.AddOutput(g, "output", m, vp, nil)
			}
			stream.AddSink(g, "audio", ap, &stage.Null[A]{})
			run(g, timeout)
		}
	}
}

// A transcode in one graph: decode, scale, encode both streams (x264enc's
// default look-ahead holds 40 frames while audio flows), and mux; the
// output has every frame, in sync.
func TestMediaTranscode(t *testing.T) {
	noLeaks(t)
	in := makeAVFor(t, 3)
	out := filepath.Join(t.TempDir(), "out.mp4")
	d, err := media.Open(media.Input{URL: in, Decode: true}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	scale, err := media.NewScaler(media.Scaling{Width: 96, Height: 64}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	venc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.AAC, Bitrate: 96_000}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	m, err := media.Create(media.Output{URL: out, Video: frame.H264, Audio: frame.AAC}, "gst")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	vp, ap := media.AddInput(g, "input", d)
	v := stream.AddTransform(g, "encode", stream.AddTransform(g, "scale", vp, scale), venc)
	a := stream.AddTransform(g, "aencode", ap, aenc)
	media.AddOutput(g, "output", m, v, a)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := g.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := probe(t, out, "v", "stream=codec_name,width,height"); got != "h264,96,64" || probeCount(t, out, "v") != 90 {
		t.Fatalf("video: %s, %d packets", got, probeCount(t, out, "v"))
	}
	vd, _ := strconv.ParseFloat(probe(t, out, "v", "stream=duration"), 64)
	ad, _ := strconv.ParseFloat(probe(t, out, "a", "stream=duration"), 64)
	if math.Abs(vd-3) > 0.05 || math.Abs(ad-vd) > 0.1 {
		t.Fatalf("durations: video %.3f s, audio %.3f s", vd, ad)
	}
}

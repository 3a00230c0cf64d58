// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	smedia "github.com/spinorml/streamer/stream/media"
)

// mediaInput makes a 160x120, 30 fps, one second input with the ffmpeg CLI
// (testsrc2 and a 440 Hz sine at 48 kHz) in a temporary directory.
func mediaInput(t *testing.T, name string, outArgs ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI is not installed")
	}
	path := filepath.Join(t.TempDir(), name)
	args := append([]string{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1"}, outArgs...)
	if out, err := exec.Command("ffmpeg", append(args, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return path
}

// mediaH264AAC is the usual input: H264 + AAC in MP4.
func mediaH264AAC(t *testing.T) string {
	return mediaInput(t, "in.mp4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac")
}

// pattern is frames of stage.Pattern at 160x120, 30 fps.
func pattern(frames int) stage.Source[V] {
	return &stage.Pattern{Width: 160, Height: 120, Frames: frames}
}

// testsrc is the decoded video of an input the ffmpeg CLI made from
// testsrc2 (160x120, 30 fps), whose detail and motion make encoders spend
// bits as they would on camera video.
func testsrc(t *testing.T, seconds int) stage.Source[V] {
	t.Helper()
	path := mediaInput(t, "testsrc.mkv", "-t", strconv.Itoa(seconds), "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-an")
	d, err := smedia.Open(smedia.Input{URL: path, Decode: true, NoAudio: true}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	return stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error { return d.Run(ctx, out, stage.Out[A]{}) })
}

// encodeFile encodes the frames of src with venc and, when aenc is set,
// as many frames of 1600 samples of stage.Sine with aenc, and writes them
// to path through media.Create with the ffmpeg backend.
func encodeFile(t *testing.T, src stage.Source[V], frames int, venc stage.Transform[V, V], aenc stage.Transform[A, A], path string) {
	t.Helper()
	m, err := smedia.Create(smedia.Output{URL: path}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	v := stream.AddTransform(g, "encode video", stream.AddSource(g, "source", src), venc)
	var a *stream.Pipe[A]
	if aenc != nil {
		a = stream.AddTransform(g, "encode audio", stream.AddSource(g, "", &stage.Sine{Samples: 1600, Frames: frames}), aenc)
	}
	smedia.AddOutput(g, "write", m, v, a)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// videoEncoder builds e with the ffmpeg backend.
func videoEncoder(t *testing.T, e smedia.VideoEncoding) stage.Transform[V, V] {
	t.Helper()
	enc, err := smedia.NewVideoEncoder(e, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// packetBytes returns the sizes of the packets of stream sel, as ffprobe
// reads them.
func packetBytes(t *testing.T, path, sel string) []int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", sel, "-show_entries", "packet=size",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var sizes []int
	for _, f := range strings.Fields(string(out)) {
		n, err := strconv.Atoi(strings.TrimSuffix(f, ","))
		if err != nil {
			t.Fatalf("ffprobe packet size %q", f)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func TestMediaBackendRegistered(t *testing.T) {
	if !slices.Contains(smedia.Backends(), "ffmpeg") {
		t.Fatalf("backends %v: no ffmpeg", smedia.Backends())
	}
}

// Encoders write their headers as extradata (GlobalHeader) and H.264 and
// H.265 also in-band: the same encoder feeds MP4 (avcC from extradata) and
// MPEG-TS (parameter sets in the stream), and both decode whole.
func TestMediaGlobalHeadersMP4AndTS(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	for _, c := range []struct {
		codec frame.Format
		name  string
	}{{frame.H264, "h264"}, {frame.H265, "hevc"}} {
		for _, ext := range []string{".mp4", ".ts"} {
			path := filepath.Join(dir, c.name+ext)
			venc := videoEncoder(t, smedia.VideoEncoding{Codec: c.codec, Preset: smedia.PresetFastest, KeyframeInterval: 10})
			aenc, err := smedia.NewAudioEncoder(smedia.AudioEncoding{Codec: frame.AAC, Bitrate: 64000}, "ffmpeg")
			if err != nil {
				t.Fatal(err)
			}
			encodeFile(t, pattern(30), 30, venc, aenc, path)
			got := probe(t, path, "v:0", "stream=codec_name,nb_read_frames,width,height")
			if got["codec_name"] != c.name || got["nb_read_frames"] != "30" || got["width"] != "160" {
				t.Errorf("%s: video %v, want 30 %s frames of 160x120", path, got, c.name)
			}
			if a := probe(t, path, "a:0", "stream=codec_name,nb_read_frames"); a["codec_name"] != "aac" || a["nb_read_frames"] == "0" {
				t.Errorf("%s: audio %v", path, a)
			}
		}
	}
}

// Every key frame of H.264 and H.265 carries the parameter sets in-band
// (SPS; VPS), and its Codec the same as extradata.
func TestMediaEncoderHeadersInBandAndExtradata(t *testing.T) {
	noLeaks(t)
	for codec, ps := range map[frame.Format][]byte{frame.H264: {0, 0, 1, 0x67}, frame.H265: {0, 0, 1, 0x40, 0x01}} {
		col := &stage.Collect[V]{}
		venc := videoEncoder(t, smedia.VideoEncoding{Codec: codec, Preset: smedia.PresetFastest, KeyframeInterval: 10})
		if err := stream.Connect(pattern(20), stream.Via(venc), stage.Sink[V](col)).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		keys := 0
		for _, v := range col.Frames() {
			if !v.Keyframe {
				continue
			}
			keys++
			planes, err := v.Planes(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(planes[0], ps) {
				t.Errorf("%v key frame at %v has no in-band parameter sets", codec, v.PTS)
			}
			if v.Codec == nil || len(v.Codec.Extradata) == 0 {
				t.Errorf("%v key frame at %v: no extradata in %+v", codec, v.PTS, v.Codec)
			}
		}
		if keys != 2 {
			t.Errorf("%v: %d key frames in 20 frames with KeyframeInterval 10, want 2", codec, keys)
		}
		col.Release()
	}
}

func TestMediaOpenReportsStreamsAndSendsPackets(t *testing.T) {
	noLeaks(t)
	path := mediaH264AAC(t)
	packetsA := len(packetBytes(t, path, "a:0"))
	framesA, _ := strconv.Atoi(probe(t, path, "a:0", "stream=nb_read_frames")["nb_read_frames"])
	for _, c := range []struct {
		in     smedia.Input
		want   smedia.Streams
		nv, na int
	}{
		{smedia.Input{URL: path}, smedia.Streams{Video: frame.H264, Audio: frame.AAC}, 30, packetsA},
		{smedia.Input{URL: path, Decode: true}, smedia.Streams{Video: frame.I420, Audio: frame.F32P}, 30, framesA},
		{smedia.Input{URL: path, NoAudio: true}, smedia.Streams{Video: frame.H264}, 30, 0},
		{smedia.Input{URL: path, Decode: true, NoVideo: true, Decoding: smedia.Decoding{OnError: smedia.Fail}},
			smedia.Streams{Audio: frame.F32P}, 0, framesA},
	} {
		d, err := smedia.Open(c.in, "ffmpeg")
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Streams(); got != c.want {
			t.Errorf("%+v: streams %v, want %v", c.in, got, c.want)
		}
		g := stream.New()
		vp, ap := smedia.AddInput(g, "input", d)
		vc, ac := &stage.Collect[V]{}, &stage.Collect[A]{}
		if vp != nil {
			stream.AddSink(g, "video", vp, vc)
		}
		if ap != nil {
			stream.AddSink(g, "audio", ap, ac)
		}
		if err := g.Run(context.Background()); err != nil {
			t.Fatalf("%+v: %v", c.in, err)
		}
		vs, as := vc.Frames(), ac.Frames()
		if len(vs) != c.nv || len(as) != c.na {
			t.Errorf("%+v: %d video and %d audio frames, want %d and %d", c.in, len(vs), len(as), c.nv, c.na)
		}
		if len(vs) > 0 && (vs[0].Format != c.want.Video || vs[0].Width != 160 || vs[0].Height != 120) {
			t.Errorf("%+v: first video frame %v", c.in, vs[0])
		}
		if len(as) > 0 && (as[0].Format != c.want.Audio || as[0].Rate != 48000) {
			t.Errorf("%+v: first audio frame %v", c.in, as[0])
		}
		vc.Release()
		ac.Release()
	}
}

func TestMediaOpenMissingFile(t *testing.T) {
	_, err := smedia.Open(smedia.Input{URL: filepath.Join(t.TempDir(), "missing.mp4")}, "ffmpeg")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.mp4") {
		t.Fatalf("open of a missing file: %v, want fs.ErrNotExist naming it", err)
	}
}

// The input probed at Open serves the first Run; a second Run opens it
// again. Close releases an input that is not going to run.
func TestMediaOpenRunTwiceAndClose(t *testing.T) {
	noLeaks(t)
	path := mediaH264AAC(t)
	d, err := smedia.Open(smedia.Input{URL: path, NoAudio: true}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		col := &stage.Collect[V]{}
		src := stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error { return d.Run(ctx, out, stage.Out[A]{}) })
		if err := stream.Connect(src, nil, stage.Sink[V](col)).Run(context.Background()); err != nil || len(col.Frames()) != 30 {
			t.Errorf("run %d: %d frames, %v", run, len(col.Frames()), err)
		}
		col.Release()
	}
	d, err = smedia.Open(smedia.Input{URL: path}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
}

// A cancel while decoding returns ctx.Err() promptly with every frame
// released.
func TestMediaOpenDecodeCancel(t *testing.T) {
	noLeaks(t)
	d, err := smedia.Open(smedia.Input{URL: mediaH264AAC(t), Decode: true, Realtime: true}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := stream.New()
	vp, ap := smedia.AddInput(g, "input", d)
	vc, ac := &stage.Collect[V]{}, &stage.Collect[A]{}
	defer vc.Release()
	defer ac.Release()
	stream.AddSink(g, "video", vp, vc)
	stream.AddSink(g, "audio", ap, ac)
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	err = g.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v, want context.Canceled", err)
	}
	if late := time.Since(start) - 300*time.Millisecond; late > 200*time.Millisecond {
		t.Errorf("returned %v after the cancel", late)
	}
	if n := len(vc.Frames()); n == 0 || n >= 30 {
		t.Errorf("%d video frames before a cancel at 300 ms of a paced 1 s input", n)
	}
}

// A truncated input with Decode: the frames before the damage reach the
// sink, then the error, naming the input.
func TestMediaOpenDecodeTruncated(t *testing.T) {
	noLeaks(t)
	b, err := os.ReadFile(mediaInput(t, "in.mkv", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.mkv")
	if err := os.WriteFile(cut, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := smedia.Open(smedia.Input{URL: cut, Decode: true, NoAudio: true}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	vp, _ := smedia.AddInput(g, "input", d)
	vc := &stage.Collect[V]{}
	defer vc.Release()
	stream.AddSink(g, "video", vp, vc)
	err = g.Run(context.Background())
	if !errors.Is(err, ffmpeg.ErrTruncated) || !strings.Contains(err.Error(), "cut.mkv") {
		t.Fatalf("run: %v, want ErrTruncated naming the input", err)
	}
	if n := len(vc.Frames()); n < 5 || n >= 30 {
		t.Errorf("%d frames decoded before the cut", n)
	}
}

// Decoder, Scaler and Resampler built through package media.
func TestMediaDecodeScaleResample(t *testing.T) {
	noLeaks(t)
	d, err := smedia.Open(smedia.Input{URL: mediaH264AAC(t)}, "ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	vdec, err1 := smedia.NewVideoDecoder(smedia.Decoding{}, "ffmpeg")
	adec, err2 := smedia.NewAudioDecoder(smedia.Decoding{OnError: smedia.Fail, Threads: 1}, "ffmpeg")
	scale, err3 := smedia.NewScaler(smedia.Scaling{Width: 80, Height: 60, Format: frame.NV12}, "ffmpeg")
	resample, err4 := smedia.NewResampler(smedia.Resampling{Rate: 16000, Channels: 2, Format: frame.S16, Samples: 160}, "ffmpeg")
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	vp, ap := smedia.AddInput(g, "input", d)
	vc, ac := &stage.Collect[V]{}, &stage.Collect[A]{}
	defer vc.Release()
	defer ac.Release()
	stream.AddSink(g, "video", stream.AddTransform(g, "scale", stream.AddTransform(g, "vdec", vp, vdec), scale), vc)
	stream.AddSink(g, "audio", stream.AddTransform(g, "resample", stream.AddTransform(g, "adec", ap, adec), resample), ac)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	vs, as := vc.Frames(), ac.Frames()
	if len(vs) != 30 || vs[0].Format != frame.NV12 || vs[0].Width != 80 || vs[0].Height != 60 {
		t.Fatalf("%d video frames, first %v", len(vs), vs[0])
	}
	samples := 0
	for _, a := range as {
		samples += a.Samples
	}
	if as[0].Format != frame.S16 || as[0].Rate != 16000 || as[0].Channels != 2 || as[0].Samples != 160 || samples < 15000 || samples > 17500 {
		t.Fatalf("%d audio frames, %d samples, first %v", len(as), samples, as[0])
	}
}

// An option value the encoder refuses fails with FFmpeg's own words: at
// Validate, and at Run when the encoder is built without it.
func TestMediaEncoderRefusedOptionText(t *testing.T) {
	noLeaks(t)
	const want = "Error setting option deadline to value veryfast"
	enc := &ffmpeg.Encoder[V]{Format: frame.VP8, Options: map[string]string{"deadline": "veryfast"}}
	if err := enc.Validate(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Validate: %v, want %q", err, want)
	}
	col := &stage.Collect[V]{}
	err := stream.Connect(&stage.Pattern{Width: 160, Height: 120, Frames: 3}, stream.Via[V](enc), stage.Sink[V](col)).Run(context.Background())
	col.Release()
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "libvpx") {
		t.Errorf("run: %v, want %q", err, want)
	}
	t.Log(err)
	// One that the open rejects, only then: FFmpeg's words too.
	enc = &ffmpeg.Encoder[V]{Format: frame.H264, Options: map[string]string{"profile": "baseline"}}
	err = stream.Connect(&stage.Pattern{Width: 160, Height: 120, Frames: 3}, stream.Via(stage.Transform[V, V](&ffmpeg.Scaler{Format: frame.I444}), enc), stage.Sink[V](col)).Run(context.Background())
	col.Release()
	if err == nil || !strings.Contains(err.Error(), "Error setting profile baseline") {
		t.Errorf("run: %v, want FFmpeg's words", err)
	}
}

// Each neutral setting lands on the encoder's own option.
func TestMediaEncoderMapping(t *testing.T) {
	for _, c := range []struct {
		e    smedia.VideoEncoding
		name string
		want map[string]string
	}{
		{smedia.VideoEncoding{Codec: frame.H264, Preset: smedia.PresetFastest, Rate: smedia.CRF, Quality: 20, LowLatency: true, Profile: "main"},
			"libx264", map[string]string{"preset": "ultrafast", "crf": "20", "tune": "zerolatency", "profile": "main"}},
		{smedia.VideoEncoding{Codec: frame.H264, Preset: smedia.PresetBest, Rate: smedia.CBR, Bitrate: 1e6},
			"libx264", map[string]string{"preset": "veryslow", "maxrate": "1000000", "bufsize": "1000000", "nal-hrd": "cbr"}},
		{smedia.VideoEncoding{Codec: frame.H265, Preset: smedia.PresetBalanced, Rate: smedia.CQP, Quality: 30},
			"libx265", map[string]string{"preset": "medium", "qp": "30"}},
		{smedia.VideoEncoding{Codec: frame.VP8, Preset: smedia.PresetFast, Rate: smedia.VBR, Bitrate: 5e5, MaxBitrate: 1e6},
			"libvpx", map[string]string{"deadline": "good", "cpu-used": "4", "maxrate": "1000000", "overshoot-pct": "100"}},
		{smedia.VideoEncoding{Codec: frame.VP9, Rate: smedia.CRF, Quality: 31, LowLatency: true, Profile: "0"},
			"libvpx-vp9", map[string]string{"crf": "31", "b": "0", "deadline": "realtime", "lag-in-frames": "0", "profile": "0"}},
		{smedia.VideoEncoding{Codec: frame.AV1, Preset: smedia.PresetSlow, Rate: smedia.CBR, Bitrate: 3e5},
			"libsvtav1", map[string]string{"preset": "6", "svtav1-params": "rc=2:pred-struct=1"}},
		// SVT-AV1 has no lossless, nor a VBR peak equal to the target: the
		// next AV1 encoder does them.
		{smedia.VideoEncoding{Codec: frame.AV1, Rate: smedia.CRF, Quality: 0, Preset: smedia.PresetFastest},
			"libaom-av1", map[string]string{"crf": "0", "b": "0", "cpu-used": "8"}},
		{smedia.VideoEncoding{Codec: frame.AV1, Rate: smedia.VBR, Bitrate: 1e6, MaxBitrate: 1e6, LowLatency: true, Profile: "main"},
			"libaom-av1", map[string]string{"maxrate": "1000000", "usage": "realtime", "lag-in-frames": "0", "profile": "0"}},
	} {
		st, err := smedia.NewVideoEncoder(c.e, "ffmpeg")
		if err != nil {
			t.Errorf("%+v: %v", c.e, err)
			continue
		}
		enc := st.(*ffmpeg.Encoder[V])
		if enc.Codec != c.name || !enc.GlobalHeader || enc.GOP != c.e.KeyframeInterval {
			t.Errorf("%+v: encoder %s (global header %v), want %s", c.e, enc.Codec, enc.GlobalHeader, c.name)
		}
		for k, v := range c.want {
			if enc.Options[k] != v {
				t.Errorf("%+v: option %s=%q, want %q (options %v)", c.e, k, enc.Options[k], v, enc.Options)
			}
		}
		if (c.e.Rate == smedia.CBR || c.e.Rate == smedia.VBR) && enc.BitRate != c.e.Bitrate {
			t.Errorf("%+v: bit rate %d", c.e, enc.BitRate)
		}
	}
}

// What an encoder cannot do is refused at build, saying why.
func TestMediaRefusals(t *testing.T) {
	for _, c := range []struct {
		job  func() error
		want string
	}{
		{func() error {
			_, err := smedia.NewVideoEncoder(smedia.VideoEncoding{Codec: frame.H264, Profile: "high5"}, "ffmpeg")
			return err
		}, `libx264: profile "high5"`},
		{func() error {
			_, err := smedia.NewVideoEncoder(smedia.VideoEncoding{Codec: frame.VP9, Profile: "high"}, "ffmpeg")
			return err
		}, `libvpx-vp9: profile "high": want 0, 1, 2 or 3`},
		{func() error {
			_, err := smedia.NewVideoEncoder(smedia.VideoEncoding{Codec: frame.AV1, Rate: smedia.CRF, Profile: "extreme"}, "ffmpeg")
			return err
		}, "tried libsvtav1, libaom-av1, librav1e"},
		{func() error {
			_, err := smedia.NewAudioEncoder(smedia.AudioEncoding{Codec: frame.Opus, Rate: 44100}, "ffmpeg")
			return err
		}, "44100 Hz"},
		{func() error {
			_, err := smedia.Create(smedia.Output{URL: "out.y4m"}, "ffmpeg")
			return err
		}, "y4m holds raw frames"},
	} {
		err := c.job()
		if !errors.Is(err, smedia.ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want a refusal saying %q", err, c.want)
		}
	}
}

// CBR reaches the file: the stream's bit rate is within 30 % of the target.
func TestMediaCBRBitrate(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	for _, c := range []struct {
		codec frame.Format
		ext   string
	}{{frame.H264, ".ts"}, {frame.VP9, ".webm"}} {
		const rate = 300_000
		path := filepath.Join(dir, "cbr"+c.ext)
		encodeFile(t, testsrc(t, 2), 60, videoEncoder(t, smedia.VideoEncoding{Codec: c.codec, Rate: smedia.CBR, Bitrate: rate, Preset: smedia.PresetFast}), nil, path)
		total := 0
		sizes := packetBytes(t, path, "v:0")
		for _, n := range sizes {
			total += n
		}
		got := float64(total*8) / (float64(len(sizes)) / 30)
		t.Logf("%v CBR %d: %.0f bits/s", c.codec, rate, got)
		if got < rate*0.7 || got > rate*1.3 {
			t.Errorf("%v CBR %d: %.0f bits/s over %d frames", c.codec, rate, got, len(sizes))
		}
	}
}

// CRF reaches the encoder: quality 10 makes a bigger file than 40.
func TestMediaCRFSizes(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	for _, codec := range []frame.Format{frame.H264, frame.H265, frame.VP8, frame.VP9, frame.AV1} {
		var sizes [2]int64
		for i, q := range []int{10, 40} {
			path := filepath.Join(dir, codec.String()+strconv.Itoa(q)+".mkv")
			encodeFile(t, testsrc(t, 1), 30, videoEncoder(t, smedia.VideoEncoding{Codec: codec, Rate: smedia.CRF, Quality: q, Preset: smedia.PresetFastest}), nil, path)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			sizes[i] = fi.Size()
		}
		t.Logf("%v: CRF 10 %d bytes, CRF 40 %d", codec, sizes[0], sizes[1])
		if sizes[0] < 2*sizes[1] {
			t.Errorf("%v: CRF 10 makes %d bytes, CRF 40 %d: want the first far bigger", codec, sizes[0], sizes[1])
		}
	}
}

// The Preset and LowLatency reach x264: it writes its settings in the
// stream (an SEI of the first frame).
func TestMediaPresetReachesEncoder(t *testing.T) {
	noLeaks(t)
	for _, c := range []struct {
		e    smedia.VideoEncoding
		want []string
	}{
		{smedia.VideoEncoding{Codec: frame.H264, Preset: smedia.PresetFastest}, []string{"subme=0", "cabac=0"}},
		{smedia.VideoEncoding{Codec: frame.H264, Preset: smedia.PresetBest}, []string{"subme=10", "ref=16"}},
		{smedia.VideoEncoding{Codec: frame.H264, LowLatency: true, Threads: 2}, []string{"bframes=0", "sliced_threads=1", "mbtree=0", "threads=2"}},
		{smedia.VideoEncoding{Codec: frame.H264, Rate: smedia.CQP, Quality: 17, KeyframeInterval: 7}, []string{"rc=cqp", "qp=17", "keyint=7"}},
	} {
		col := &stage.Collect[V]{Max: 1}
		err := stream.Connect(pattern(5), stream.Via(videoEncoder(t, c.e)), stage.Sink[V](col)).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		planes, err := col.Frames()[0].Planes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !bytes.Contains(planes[0], []byte(" "+w+" ")) {
				t.Errorf("%+v: x264's settings lack %q", c.e, w)
			}
		}
		col.Release()
	}
}

// Audio encodings: bit rate, rate and channels reach the file.
func TestMediaAudioEncoders(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	for _, c := range []struct {
		e         smedia.AudioEncoding
		ext, name string
		rate, ch  string
	}{
		{smedia.AudioEncoding{Codec: frame.AAC, Bitrate: 96000, Rate: 44100, Channels: 1}, ".mp4", "aac", "44100", "1"},
		{smedia.AudioEncoding{Codec: frame.Opus, Bitrate: 64000}, ".webm", "opus", "48000", "2"},
	} {
		path := filepath.Join(dir, c.name+c.ext)
		aenc, err := smedia.NewAudioEncoder(c.e, "ffmpeg")
		if err != nil {
			t.Fatal(err)
		}
		vcodec := frame.H264
		if c.ext == ".webm" {
			vcodec = frame.VP9
		}
		encodeFile(t, pattern(30), 30, videoEncoder(t, smedia.VideoEncoding{Codec: vcodec, Preset: smedia.PresetFastest}), aenc, path)
		got := probe(t, path, "a:0", "stream=codec_name,sample_rate,channels,nb_read_frames")
		if got["codec_name"] != c.name || got["sample_rate"] != c.rate || got["channels"] != c.ch {
			t.Errorf("%+v: %v", c.e, got)
		}
	}
}

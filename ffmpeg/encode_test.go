// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// encode runs Pattern frames through enc and returns the encoded frames.
func encode(t *testing.T, enc *ffmpeg.Encoder[V], frames, w, h int) ([]V, error) {
	t.Helper()
	col := &stage.Collect[V]{}
	t.Cleanup(col.Release)
	err := stream.Connect[V](&stage.Pattern{Width: w, Height: h, Frames: frames}, stream.Via[V](enc), col).Run(context.Background())
	return col.Frames(), err
}

func TestEncoderGOPAndGlobalHeader(t *testing.T) {
	noLeaks(t)
	fs, err := encode(t, &ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast", GOP: 10, GlobalHeader: true,
		Options: map[string]string{"x264-params": "scenecut=0"}}, 30, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 30 {
		t.Fatalf("%d frames, want 30 (flushed)", len(fs))
	}
	keys := 0
	for i, v := range fs {
		if v.Keyframe {
			keys++
		}
		if v.Format != frame.H264 || v.Codec != fs[0].Codec || v.Width != 160 || v.Duration != time.Second/30 {
			t.Fatalf("frame %d: %v codec %p duration %v", i, v, v.Codec, v.Duration)
		}
	}
	if keys != 3 || !fs[0].Keyframe {
		t.Errorf("%d keyframes, want 3 with GOP 10", keys)
	}
	c := fs[0].Codec
	if len(c.Extradata) == 0 || c.FrameRate != (frame.Rational{Num: 30, Den: 1}) || c.TimeBase != (frame.Rational{Num: 1, Den: 90000}) {
		t.Errorf("codec %+v", c)
	}
	// Without a global header the headers are in the stream.
	fs, err = encode(t, &ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast"}, 3, 160, 120)
	if err != nil || len(fs) != 3 || len(fs[0].Codec.Extradata) != 0 {
		t.Fatalf("in-band headers: %v, %d frames, extradata %d", err, len(fs), len(fs[0].Codec.Extradata))
	}
}

func TestEncoderAV1(t *testing.T) {
	noLeaks(t)
	name, err := ffmpeg.FindEncoder(frame.AV1)
	if err != nil {
		t.Skip(err)
	}
	opts := map[string]string{}
	preset := ""
	switch name {
	case "libsvtav1":
		preset = "12"
	case "libaom-av1":
		opts["cpu-used"] = "8"
		opts["usage"] = "realtime"
	case "librav1e":
		opts["speed"] = "10"
	}
	out := filepath.Join(t.TempDir(), "av1.mkv")
	g := stream.New()
	src := stream.AddSource[V](g, "", &stage.Pattern{Width: 320, Height: 240, Frames: 15})
	enc := stream.AddTransform(g, "", src, &ffmpeg.Encoder[V]{Format: frame.AV1, Preset: preset, Options: opts, GlobalHeader: true})
	ffmpeg.AddMux(g, "", &ffmpeg.Mux{URL: out}, enc, nil)
	if err := g.Run(context.Background()); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	v := probe(t, out, "v:0", "stream=codec_name,width,nb_read_frames")
	if v["codec_name"] != "av1" || v["width"] != "320" || v["nb_read_frames"] != "15" {
		t.Errorf("%s: %v", name, v)
	}
}

func TestEncoderErrors(t *testing.T) {
	noLeaks(t)
	_, err := encode(t, &ffmpeg.Encoder[V]{Codec: "nosuchencoder"}, 2, 64, 48)
	if err == nil || !strings.Contains(err.Error(), `"nosuchencoder"`) {
		t.Errorf("unknown encoder: %v", err)
	}
	_, err = encode(t, &ffmpeg.Encoder[V]{Format: frame.H264, Options: map[string]string{"nosuchoption": "1"}}, 2, 64, 48)
	if err == nil || !strings.Contains(err.Error(), "nosuchoption") || !strings.Contains(err.Error(), "libx264") {
		t.Errorf("unknown option: %v", err)
	}
	_, err = encode(t, &ffmpeg.Encoder[V]{Format: frame.MJPEG + 50}, 2, 64, 48)
	if err == nil || !strings.Contains(err.Error(), "no encoder") {
		t.Errorf("no encoder for a format: %v", err)
	}
	// x264 refuses 4:2:0 at an odd size: the error names the encoder and the size.
	_, err = encode(t, &ffmpeg.Encoder[V]{Format: frame.H264}, 2, 65, 49)
	if err == nil || !strings.Contains(err.Error(), "libx264") || !strings.Contains(err.Error(), "65x49") {
		t.Errorf("odd size: %v", err)
	}
}

// Encoded frames of another backend (CPU bytes, no FrameData) decode: one
// padded copy per packet, counted.
func TestDecodeCPUPackets(t *testing.T) {
	noLeaks(t)
	in := h264AAC(t)
	var packetBytes int64
	toCPU := stage.Map(func(ctx context.Context, v V) (V, error) {
		planes, err := v.Planes(ctx)
		if err != nil {
			v.Release()
			return v, err
		}
		b := append([]byte(nil), planes[0]...)
		packetBytes += int64(len(b))
		v.Release()
		v.Data = frame.NewBytes(b)
		return v, nil
	})
	g := stream.New()
	vp, _ := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, true, false)
	cpu := stream.AddTransform(g, "", vp, toCPU)
	raw := stream.AddTransform(g, "", cpu, ffmpeg.NewVideoDecoder())
	null := &stage.Null[V]{}
	stream.AddSink(g, "", raw, null)
	copied := frame.CopiedBytes()
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if null.Count() != 60 {
		t.Errorf("%d frames decoded", null.Count())
	}
	if got := frame.CopiedBytes() - copied; got != packetBytes {
		t.Errorf("copied %d bytes, want %d (each packet once)", got, packetBytes)
	}
}

// Variable frame rate input keeps its timestamps through the encoder and a
// muxer: the encoder's time base is 90 kHz, not 1/fps.
func TestEncoderKeepsVariableFrameRate(t *testing.T) {
	noLeaks(t)
	var want []time.Duration
	t0 := time.Duration(0)
	for i := range 30 {
		want = append(want, t0)
		if i < 15 {
			t0 += 40 * time.Millisecond // 25 fps
		} else {
			t0 += 100 * time.Millisecond // then 10 fps
		}
	}
	n := 0
	vfr := stage.Map(func(_ context.Context, v V) (V, error) {
		v.PTS, v.DTS = want[n], want[n]
		v.Duration = 40 * time.Millisecond
		n++
		return v, nil
	})
	out := &stage.Collect[V]{}
	defer out.Release()
	enc := &ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast"}
	if err := stream.Connect[V](&stage.Pattern{Width: 160, Height: 120, Frames: 30}, stream.Via(vfr, enc), out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for _, v := range out.Frames() {
		got = append(got, v.PTS)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("encoded PTS %v, want %v", got, want)
	}
}

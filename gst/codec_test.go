// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// encode runs n pattern frames through enc and returns what came out.
func encode(t *testing.T, enc stage.Transform[V, V], n int) *stage.Collect[V] {
	t.Helper()
	out := &stage.Collect[V]{}
	t.Cleanup(out.Release)
	src := &stage.Pattern{Width: 320, Height: 240, Frames: n}
	if err := stream.Connect(src, stream.Via(enc), out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeAll runs frames (retained, so the caller keeps them) through dec.
func decodeAll(t *testing.T, frames []V, dec stage.Transform[V, V]) ([]V, error) {
	t.Helper()
	src := stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
		for _, v := range frames {
			v.Retain()
			if !out.Send(v) {
				return ctx.Err()
			}
		}
		return nil
	})
	got := &stage.Collect[V]{}
	t.Cleanup(got.Release)
	err := stream.Connect(src, stream.Via(dec), got).Run(context.Background())
	return got.Frames(), err
}

func TestVideoCodecsRoundTrip(t *testing.T) {
	noLeaks(t)
	for _, codec := range []frame.Format{frame.H264, frame.H265, frame.VP8, frame.VP9, frame.AV1} {
		t.Run(codec.String(), func(t *testing.T) {
			enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: codec, Preset: "ultrafast", KeyframeInterval: 10, Bitrate: 500_000})
			if err != nil {
				t.Skipf("no encoder here: %v", err)
			}
			frames := encode(t, enc, 30).Frames()
			if len(frames) != 30 {
				t.Fatalf("%s: %d encoded frames, want 30", enc.Name(), len(frames))
			}
			keys := 0
			var maxPTS time.Duration
			for i, v := range frames {
				if v.Format != codec || v.Size() == 0 {
					t.Fatalf("frame %d: %v size %d", i, v, v.Size())
				}
				// Encoders work in a segment starting at 1000 hours; frames
				// keep the input's times.
				if v.DTS > v.PTS || v.PTS > time.Second {
					t.Fatalf("frame %d: pts %v dts %v", i, v.PTS, v.DTS)
				}
				maxPTS = max(maxPTS, v.PTS)
				if v.Keyframe {
					keys++
				}
			}
			if want := 29 * time.Second / 30; maxPTS != want {
				t.Fatalf("last PTS %v, want %v (the input's)", maxPTS, want)
			}
			if !frames[0].Keyframe || keys < 3 {
				t.Fatalf("keyframes: first %v, %d in all (interval 10)", frames[0].Keyframe, keys)
			}
			if frames[0].Codec == nil || frames[0].Codec.Format != codec || frames[0].Codec.Width != 320 {
				t.Fatalf("codec description %+v", frames[0].Codec)
			}
			dec, err := gst.NewVideoDecoder(gst.DecoderConfig{Codec: codec, Output: frame.I420})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := decodeAll(t, frames, dec)
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) != 30 || raw[0].Format != frame.I420 || raw[0].Width != 320 || raw[0].PTS != 0 || raw[29].PTS != 29*time.Second/30 {
				t.Fatalf("%s: decoded %d frames: %v", dec.Name(), len(raw), raw)
			}
		})
	}
}

func TestAudioCodecsRoundTrip(t *testing.T) {
	noLeaks(t)
	for _, codec := range []frame.Format{frame.Opus, frame.AAC} {
		t.Run(codec.String(), func(t *testing.T) {
			enc, err := gst.NewAudioEncoder(gst.EncoderConfig{Codec: codec, Bitrate: 96000})
			if err != nil {
				t.Skipf("no encoder here: %v", err)
			}
			out := &stage.Collect[A]{}
			defer out.Release()
			src := &stage.Sine{Samples: 960, Frames: 50} // 1 s at 48 kHz
			if err := stream.Connect(src, stream.Via(enc), out).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			frames := out.Frames()
			if len(frames) < 40 || frames[0].Format != codec || frames[0].Rate != 48000 || frames[0].Channels != 2 {
				t.Fatalf("%d frames: %v", len(frames), frames)
			}
			dec, err := gst.NewAudioDecoder(gst.DecoderConfig{Codec: codec})
			if err != nil {
				t.Fatal(err)
			}
			src2 := stage.SourceFunc[A](func(ctx context.Context, o stage.Out[A]) error {
				for _, a := range frames {
					a.Retain()
					if !o.Send(a) {
						return ctx.Err()
					}
				}
				return nil
			})
			raw := &stage.Collect[A]{}
			defer raw.Release()
			if err := stream.Connect(src2, stream.Via(dec), raw).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			samples := 0
			for _, a := range raw.Frames() {
				samples += a.Samples
			}
			if samples < 40000 || raw.Frames()[0].Format.IsEncoded() {
				t.Fatalf("decoded %d samples", samples)
			}
		})
	}
}

func TestEncoderChoiceAndErrors(t *testing.T) {
	if _, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Element: "nosuchenc"}); !errors.Is(err, gst.ErrMissingElement) {
		t.Errorf("unknown element: %v", err)
	}
	if _, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.Opus}); err == nil {
		t.Error("a video encoder for Opus")
	}
	if _, err := gst.NewVideoEncoder(gst.EncoderConfig{Preset: "warp"}); err == nil || !strings.Contains(err.Error(), "warp") {
		t.Errorf("bad preset: %v", err)
	}
	enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Element: "openh264enc"})
	if err != nil {
		t.Skip(err)
	}
	if enc.Name() != "gst-encoder(openh264enc)" {
		t.Errorf("name %q", enc.Name())
	}
}

// Encoded frames from gst into a muxing sink make a file another tool reads.
func TestEncodedFramesIntoAMuxer(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "out.mkv")
	enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	src := &stage.Pattern{Width: 320, Height: 240, Frames: 40}
	sink := gst.NewSink[V]("h264parse ! matroskamux ! filesink location=" + path)
	if err := stream.Connect(src, stream.Via(enc), sink).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ffprobe(t, path, "stream=codec_name,width,height,nb_read_frames"); got != "h264,320,240,40" {
		t.Fatalf("ffprobe: %s", got)
	}
}

// Damaged frames in an H264 stream: the run ends (error or not), frames
// before the damage came out, nothing leaks or panics.
func TestCorruptBitstream(t *testing.T) {
	noLeaks(t)
	enc, _ := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "ultrafast", KeyframeInterval: 100})
	frames := encode(t, enc, 20).Frames()
	rng := rand.New(rand.NewPCG(1, 2))
	damaged := make([]V, 0, len(frames)+5)
	var made []frame.Data
	for i, v := range frames {
		if i < 10 {
			damaged = append(damaged, v)
			continue
		}
		// Garbage after the tenth frame: random bytes behind start codes.
		junk := make([]byte, 2000)
		for j := range junk {
			junk[j] = byte(rng.UintN(256))
		}
		copy(junk, []byte{0, 0, 0, 1, 0x65})
		d := frame.NewBytes(junk)
		made = append(made, d)
		w := v
		w.Data = d
		damaged = append(damaged, w)
	}
	defer func() {
		for _, d := range made {
			d.Release()
		}
	}()
	dec, _ := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264})
	raw, err := decodeAll(t, damaged, dec)
	t.Logf("concealing: decoded %d frames of %d, err %v", len(raw), len(damaged), err)
	if len(raw) < 9 {
		t.Fatalf("only %d frames decoded before the damage", len(raw))
	}
	strict, _ := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264, FailOnError: true})
	rawStrict, err := decodeAll(t, damaged, strict)
	t.Logf("strict: decoded %d frames of %d, err %v", len(rawStrict), len(damaged), err)
	var ge *gst.Error
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "avdec_h264") || len(rawStrict) < 9 {
		t.Fatalf("strict decoder: %d frames, error %v", len(rawStrict), err)
	}
	// The good frames decode to the pattern: the luma is not flat.
	planes, _ := raw[0].Planes(context.Background())
	if bytes.Count(planes[0], planes[0][:1]) == len(planes[0]) {
		t.Fatal("the first decoded frame is flat")
	}
}

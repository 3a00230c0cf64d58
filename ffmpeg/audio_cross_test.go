// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// Audio of every sample format both backends name crosses from one backend
// to the other, planar included, with the copy counted and not one sample
// lost or silenced.
func TestAudioFormatsCrossBackends(t *testing.T) {
	const frames, samples, channels = 20, 1024, 2
	gstFormat := map[frame.Format]string{
		frame.S16: "format=S16LE,layout=interleaved", frame.S16P: "format=S16LE,layout=non-interleaved",
		frame.F32: "format=F32LE,layout=interleaved", frame.F32P: "format=F32LE,layout=non-interleaved",
	}
	for _, f := range []frame.Format{frame.S16, frame.S16P, frame.F32, frame.F32P} {
		t.Run("ffmpeg-to-gst/"+f.String(), func(t *testing.T) {
			noLeaks(t)
			wav := filepath.Join(t.TempDir(), "out.wav")
			g := stream.New()
			tone := stream.AddSource(g, "sine", &stage.Sine{Samples: samples, Channels: channels, Frames: frames})
			conv := stream.AddTransform(g, "resample", tone, &ffmpeg.Resampler{Format: f})
			stream.AddSink(g, "gst", conv, gst.NewSink[A]("audioconvert ! audio/x-raw,format=S16LE,layout=interleaved ! wavenc ! filesink location="+wav))
			copied := frame.CopiedBytes()
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if f.IsPlanarAudio() && frame.CopiedBytes() == copied {
				t.Errorf("planar FFmpeg frames reached GStreamer with no copy counted")
			}
			checkTone(t, wav, frames*samples, channels)
		})
		t.Run("gst-to-ffmpeg/"+f.String(), func(t *testing.T) {
			noLeaks(t)
			g := stream.New()
			src := stream.AddSource(g, "gst", gst.NewSource[A]("audiotestsrc num-buffers=20 samplesperbuffer=1024 volume=0.5 ! audio/x-raw,rate=48000,channels=2,"+gstFormat[f]))
			conv := stream.AddTransform(g, "resample", src, &ffmpeg.Resampler{Format: frame.S16})
			sink := &stage.Collect[A]{}
			defer sink.Release()
			stream.AddSink(g, "collect", conv, sink)
			copied := frame.CopiedBytes()
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			// S16 needs no conversion: the resampler passes the GStreamer
			// buffers on untouched. Every other format is read into AVFrames.
			if f != frame.S16 && frame.CopiedBytes() == copied {
				t.Errorf("GStreamer frames reached FFmpeg with no copy counted")
			}
			n, peak := 0, 0
			for _, a := range sink.Frames() {
				if a.Format != frame.S16 || a.Channels != channels {
					t.Fatalf("resampled frame %v", a)
				}
				planes, err := a.Planes(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i+1 < len(planes[0]) && i < a.Samples*channels*2; i += 2 {
					peak = max(peak, abs(int(int16(binary.LittleEndian.Uint16(planes[0][i:])))))
				}
				n += a.Samples
			}
			if n != frames*samples {
				t.Errorf("%d samples arrived, want %d", n, frames*samples)
			}
			if peak < 16000 || peak > 16500 { // volume 0.5 of 32767
				t.Errorf("peak %d, want about 16384: the samples were not read as %v", peak, f)
			}
		})
	}
}

// checkTone reads a 16-bit WAV file and checks its length and that it holds
// the sine (half of full scale) in every channel.
func checkTone(t *testing.T, path string, samples, channels int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 44 {
		t.Fatalf("%s: %d bytes", path, len(b))
	}
	data := b[44:]
	if got := len(data) / (2 * channels); got != samples {
		t.Errorf("%s: %d samples per channel, want %d", path, got, samples)
	}
	for c := range channels {
		peak := 0
		for i := 2 * c; i+1 < len(data); i += 2 * channels {
			peak = max(peak, abs(int(int16(binary.LittleEndian.Uint16(data[i:])))))
		}
		if want := math.MaxInt16 / 2; peak < want-300 || peak > want+300 {
			t.Errorf("channel %d: peak %d, want about %d", c, peak, want)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

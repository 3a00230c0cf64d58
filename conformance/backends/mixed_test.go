// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package backends_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// One graph, two backends, through the neutral API: one opens and decodes,
// the other encodes, the first writes. Frames cross once each way, each
// crossing a counted copy, and the output conforms as a one-backend
// transcode does.
func TestMixedBackendsTranscode(t *testing.T) {
	needTools(t)
	src := makeSource(t, sources[0]) // H264 with B-frames + AAC, MP4
	want := expectOf(t, src, false, 1024*time.Second/48000)
	for _, pair := range [][2]string{{"ffmpeg", "gst"}, {"gst", "ffmpeg"}} {
		io, codec := pair[0], pair[1]
		t.Run(io+"-io/"+codec+"-codecs", func(t *testing.T) {
			stagetest.NoLeaks(t)
			out := filepath.Join(t.TempDir(), "mixed.mkv")
			in, err := media.Open(media.Input{URL: src, Decode: true}, io)
			if err != nil {
				t.Fatal(err)
			}
			venc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Preset: media.PresetFast}, codec)
			if err != nil {
				t.Fatal(err)
			}
			aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.Opus}, codec)
			if err != nil {
				t.Fatal(err)
			}
			m, err := media.Create(media.Output{URL: out, Video: frame.H264, Audio: frame.Opus}, io)
			if err != nil {
				t.Fatal(err)
			}
			g := stream.New()
			video, audio := media.AddInput(g, "input", in)
			media.AddOutput(g, "output", m, stream.AddTransform(g, "video-encoder", video, venc), stream.AddTransform(g, "audio-encoder", audio, aenc))
			copied := frame.CopiedBytes()
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if frame.CopiedBytes() == copied {
				t.Error("frames crossed backends with no copy counted")
			}
			want := want
			want.AudioDuration = 0 // Opus from AAC: priming differs; the offset is still checked
			checkTranscode(t, src, out, want)
		})
	}
}

// A capture device that is not there fails at Open, on every backend,
// with an error naming it that satisfies fs.ErrNotExist.
func TestOpenMissingDevice(t *testing.T) {
	for _, b := range []string{"gst", "ffmpeg"} {
		_, err := media.Open(media.Input{URL: "/dev/video99", Decode: true, Width: 640, Height: 480}, b)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "/dev/video99") || strings.Count(err.Error(), b+":") > 1 && strings.Contains(err.Error(), b+": "+b+":") {
			t.Errorf("%s: %v, want fs.ErrNotExist naming the device", b, err)
		}
	}
}

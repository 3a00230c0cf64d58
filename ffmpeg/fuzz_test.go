// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// FuzzDemux feeds arbitrary bytes through Demux (from an io.Reader) and
// both decoders: whatever the input, Run returns (an error or nil), nothing
// panics, and every frame handle is released. The seed corpus is small
// files of several containers and codecs made by the ffmpeg CLI.
func FuzzDemux(f *testing.F) {
	seeds := []struct {
		name string
		args []string
	}{
		{"seed.mp4", []string{"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-movflags", "+faststart"}},
		{"seed.mkv", []string{"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-c:a", "libopus"}},
		{"seed.ts", []string{"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"}},
		{"seed.webm", []string{"-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"}},
	}
	for _, s := range seeds {
		b, err := os.ReadFile(media(f, s.name, "64x48", "0.3", s.args...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte("\x1aE\xdf\xa3 not really matroska"))
	f.Fuzz(func(t *testing.T, data []byte) {
		live := frame.Live()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g := stream.New()
		d := &ffmpeg.Demux{Reader: bytes.NewReader(data), Options: map[string]string{"probesize": "65536", "analyzeduration": "200000"}}
		vp, ap := ffmpeg.AddDemux(g, "", d, true, true)
		vr := stream.AddTransform(g, "", vp, &ffmpeg.Decoder[V]{Threads: 1})
		ar := stream.AddTransform(g, "", ap, &ffmpeg.Decoder[A]{Threads: 1})
		vn, an := &stage.Null[V]{}, &stage.Null[A]{}
		stream.AddSink(g, "", vr, vn)
		stream.AddSink(g, "", ar, an)
		_ = g.Run(ctx)
		if got := frame.Live(); got != live {
			t.Fatalf("%d frame handles leaked", got-live)
		}
	})
}

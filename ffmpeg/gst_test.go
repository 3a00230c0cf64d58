// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// FFmpeg frames into a GStreamer sink and GStreamer frames into FFmpeg
// stages: one copy each way, counted, with the strides respected.
func TestCrossBackendWithGStreamer(t *testing.T) {
	noLeaks(t)
	// FFmpeg → GStreamer: decoded 641x361 (padded strides) to a raw file.
	in := media(t, "odd-vp9.webm", "641x361", "1", "-vf", "scale=641:361", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-an")
	raw := filepath.Join(t.TempDir(), "out.yuv")
	g := stream.New()
	vp, _ := ffmpeg.AddDemux(g, "", &ffmpeg.Demux{URL: in}, true, false)
	dec := stream.AddTransform(g, "", vp, ffmpeg.NewVideoDecoder())
	stream.AddSink(g, "", dec, gst.NewSink[V]("filesink location="+raw))
	copied := frame.CopiedBytes()
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// GStreamer's I420 layout at 641x361: rows of 644 and 324 bytes, the
	// luma plane rounded to an even 362 rows.
	const frameSize = 644*362 + 2*324*181
	if got := frame.CopiedBytes() - copied; got != 30*frameSize {
		t.Errorf("ffmpeg→gst copied %d bytes, want %d (once per frame)", got, 30*frameSize)
	}
	st, err := os.Stat(raw)
	if err != nil || st.Size() != 30*frameSize {
		t.Fatalf("raw file: %v, %d bytes, want %d", err, st.Size(), 30*frameSize)
	}

	// GStreamer → FFmpeg: videotestsrc into the Encoder and Mux.
	out := filepath.Join(t.TempDir(), "gst.mp4")
	g = stream.New()
	src := stream.AddSource[V](g, "", gst.NewSource[V]("videotestsrc num-buffers=20 ! video/x-raw,format=I420,width=321,height=241,framerate=30/1"))
	enc := stream.AddTransform(g, "", src, &ffmpeg.Encoder[V]{Format: frame.VP9, Preset: "realtime", GlobalHeader: true,
		Options: map[string]string{"cpu-used": "8"}})
	ffmpeg.AddMux(g, "", &ffmpeg.Mux{URL: out}, enc, nil)
	copied = frame.CopiedBytes()
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := frame.CopiedBytes()-copied, int64(20*(321*241+2*161*121)); got != want {
		t.Errorf("gst→ffmpeg copied %d bytes, want %d (once per frame)", got, want)
	}
	v := probe(t, out, "v:0", "stream=codec_name,width,height,nb_read_frames")
	if v["codec_name"] != "vp9" || v["width"] != "321" || v["height"] != "241" || v["nb_read_frames"] != "20" {
		t.Errorf("%v", v)
	}
}

// A gst source whose element fails after some frames ends its stream
// first (stage.AfterDrain): the ffmpeg decoder after it flushes every frame
// it holds, so each packet that left the source is decoded, and Run then
// returns the element's error, naming the source.
func TestGstErrorLetsTheDecoderFinish(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	src := stream.AddSource(g, "camera", gst.NewSource[V](
		"videotestsrc ! video/x-raw,width=160,height=120,framerate=30/1 ! x264enc speed-preset=ultrafast bframes=2 ! h264parse ! identity error-after=30"))
	var packets atomic.Int64
	counted := stream.AddTransform(g, "count", src, stage.Map(func(_ context.Context, v V) (V, error) {
		packets.Add(1)
		return v, nil
	}))
	sink := &stage.Null[V]{}
	stream.AddSink(g, "", stream.AddTransform(g, "decode", counted, ffmpeg.NewVideoDecoder()), sink)
	err := g.Run(context.Background())
	var se *stream.StageError
	if !errors.As(err, &se) || se.Stage != "camera" {
		t.Fatalf("Run: %v, want the source's error", err)
	}
	t.Logf("%d packets, %d frames decoded; %v", packets.Load(), sink.Count(), err)
	if packets.Load() < 20 || sink.Count() != packets.Load() {
		t.Errorf("%d frames decoded from %d packets: the decoder did not finish", sink.Count(), packets.Load())
	}
}

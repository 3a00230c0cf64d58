// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
)

// When the source fails mid-stream, the muxer still finishes the file and it
// holds every frame the muxer took, those taken after the cancel included:
// a recording cut short by a failure keeps all it received.
func TestUpstreamFailureLosesNoMuxedFrame(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "rec.mkv")
	g := stream.New()
	src := stream.AddSource(g, "src", stagetest.Source[V](&stage.Pattern{Width: 160, Height: 120}, stagetest.Fault{K: 40}))
	enc := stream.AddTransform(g, "enc", src, &ffmpeg.Encoder[V]{Format: frame.H264, Preset: "ultrafast", Tune: "zerolatency", GlobalHeader: true})
	ffmpeg.AddMux(g, "mux", &ffmpeg.Mux{URL: path}, enc, nil)
	err := g.Run(context.Background())
	if !errors.Is(err, stagetest.ErrInjected) {
		t.Fatal(err)
	}
	var took uint64
	for _, m := range g.Metrics() {
		if m.Stage == "mux" {
			took = m.In
		}
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).CombinedOutput()
	got := strings.TrimSpace(string(out))
	t.Logf("mux took %d, file has %s", took, got)
	if err != nil || took == 0 || got != strconv.FormatUint(took, 10) {
		t.Fatalf("the file holds %q frames (%v), the muxer took %d", got, err, took)
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package y4m_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stage/stagetest"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
	_ "github.com/spinorml/streamer/y4m"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A backend registered from outside the core: the neutral Open and Create
// find it by the file's extension, with no other backend imported.
func TestNeutralCopyThroughTheY4MBackend(t *testing.T) {
	stagetest.NoLeaks(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.y4m"), filepath.Join(dir, "out.y4m")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Connect(&stage.Pattern{Width: 64, Height: 48, Frames: 12}, nil, stage.NewY4MWriter(f)).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.Close()

	d, err := media.Open(media.Input{URL: in, Decode: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := d.Streams(); s.Video != frame.I420 || s.Audio != 0 {
		t.Fatalf("streams %v", s)
	}
	m, err := media.Create(media.Output{URL: out, Video: frame.I420})
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	video, audio := media.AddInput(g, "input", d)
	if audio != nil {
		t.Fatal("an audio pipe for a y4m file")
	}
	media.AddOutput(g, "output", m, video, nil)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(in)
	b, _ := os.ReadFile(out)
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("copy differs: %d bytes in, %d out", len(a), len(b))
	}
}

func TestY4MRefusalsAndErrors(t *testing.T) {
	_, err := media.Open(media.Input{URL: filepath.Join(t.TempDir(), "missing.y4m")}, "y4m")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	_, err = media.Create(media.Output{URL: "out.mp4", Video: frame.H264}, "y4m")
	if err != nil && !errors.Is(err, media.ErrUnsupported) {
		t.Errorf("mp4: %v", err)
	}
}

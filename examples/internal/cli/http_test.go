// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ServeLive binds 127.0.0.1 when no host is given, prints the page's URL,
// serves the page and the metrics, and stops cleanly with a preview open.
func TestServeLive(t *testing.T) {
	g := stream.New()
	v := stream.AddSource(g, "camera", &stage.Pattern{Width: 32, Height: 32, Live: true})
	stream.AddSink(g, "sink", v, &stage.Null[frame.Video]{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() { cancel(); <-done }()

	var out bytes.Buffer
	stop, err := ServeLive(g, ":0", "camera test", &out)
	if err != nil {
		t.Fatal(err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(out.String()), "live page: ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		stop()
		t.Fatalf("printed %q", out.String())
	}
	for path, want := range map[string]string{"": "<title>camera test</title>", "metrics": `streamer_stage_frames_out_total{stage="camera"}`} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte(want)) {
			t.Errorf("GET /%s: %d, lacks %q", path, resp.StatusCode, want)
		}
	}
	preview, err := http.Get(url + "preview/0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := preview.Body.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	stop() // with the preview still open
	preview.Body.Close()

	if _, err := ServeLive(g, "no-port", "", io.Discard); err == nil {
		t.Error("ServeLive took an address without a port")
	}
	if stop, err := ServeLive(g, "", "", io.Discard); err != nil {
		t.Error(err)
	} else {
		stop()
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// The example serves its page and a stream that this library's own WHEP
// client pulls through media.Open, to the end of the stream.
func TestServesWHEP(t *testing.T) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-http", "127.0.0.1:0", "-size", "320x240", "-frames", "90", "-loopback"}, pw, io.Discard)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var url string
	for url == "" && lines.Scan() {
		if m := regexp.MustCompile(`media.Open: (whep://\S+)\)`).FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if url == "" {
		t.Fatalf("no WHEP URL printed: %v", <-done)
	}
	page, err := http.Get(strings.Replace(url, "whep://", "http://", 1))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(body), "RTCPeerConnection") {
		t.Errorf("GET %s: no player page", url)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	in, err := media.Open(media.Input{URL: url + "#loopback"}, "webrtc")
	if err != nil {
		t.Fatal(err)
	}
	if s := in.Streams(); s.Video != frame.H264 || s.Audio != frame.Opus {
		t.Errorf("streams %v", s)
	}
	g := stream.New()
	v, a := media.AddInput(g, "whep", in)
	nv, na := &stage.Null[frame.Video]{}, &stage.Null[frame.Audio]{}
	stream.AddSink(g, "video", v, nv)
	stream.AddSink(g, "audio", a, na)
	if err := g.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The client joins while the stream runs: at a key frame, one a second.
	t.Logf("pulled %d video and %d audio frames", nv.Count(), na.Count())
	if nv.Count() < 30 || na.Count() < 40 {
		t.Errorf("pulled %d video and %d audio frames of 90 and 150", nv.Count(), na.Count())
	}
}

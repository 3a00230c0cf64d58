// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/live"
)

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// serve starts srv on a free port of 127.0.0.1 and stops it when the test
// ends (Close first, which ends the streams, so the server can close).
func serve(t *testing.T, srv *live.Server) *httptest.Server {
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return hs
}

func TestRoutes(t *testing.T) {
	d := newDemo(t)
	hs := serve(t, live.New(d.g, live.Title("routes <test>")))

	code, body, h := get(t, hs.URL+"/")
	if code != 200 || !strings.Contains(body, "<title>routes &lt;test&gt;</title>") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("page: %d %q\n%s", code, h, body)
	}
	if code, body, _ := get(t, hs.URL+"/assets/page.js"); code != 200 || !strings.Contains(body, "EventSource") {
		t.Errorf("page.js: %d", code)
	}
	code, dot, _ := get(t, hs.URL+"/graph.dot")
	code2, svg, h2 := get(t, hs.URL+"/graph.svg")
	if code != 200 || !strings.HasPrefix(dot, "digraph stream") || code2 != 200 || h2.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(svg, "<svg") {
		t.Fatalf("graph.dot %d, graph.svg %d %q:\n%s", code, code2, h2.Get("Content-Type"), svg)
	}
	for _, name := range d.stages {
		if !strings.Contains(svg, ">"+name+"</text>") {
			t.Errorf("graph.svg lacks stage %q", name)
		}
	}
	if !strings.Contains(svg, `id="link&#45;`+strconv.Itoa(d.preview)+`"`) || !strings.Contains(svg, "Score, cap 8") {
		t.Errorf("graph.svg lacks the preview link's id or the typed link:\n%s", svg) // Graphviz writes "-" as &#45;
	}

	code, body, _ = get(t, hs.URL+"/metrics.json")
	var snap live.Snapshot
	if err := json.Unmarshal([]byte(body), &snap); code != 200 || err != nil {
		t.Fatalf("metrics.json: %d %v", code, err)
	}
	if snap.Title != "routes <test>" || len(snap.Stages) != len(d.stages) || len(snap.Links) != 5 || snap.SVG != "" || snap.CanStop {
		t.Errorf("metrics.json: %+v", snap)
	}
	for _, st := range snap.Stages {
		want := st.Name == "recorder"
		if (st.Live != nil) != want || want && (*st.Live != live.LiveView{Retries: 3, Reconnects: 2, Timeouts: 1, GapS: 1.5, Dropped: 7}) {
			t.Errorf("stage %s: live %+v", st.Name, st.Live)
		}
	}
	for _, l := range snap.Links {
		if l.Previewable != (l.Kind == "video") {
			t.Errorf("link %+v: previewable %v", l, l.Previewable)
		}
	}

	for path, want := range map[string]int{
		"/preview/x": 400, "/preview/01": 400, "/preview/99": 404, "/nothing": 404,
		"/preview/" + strconv.Itoa(linkOfKind(snap, "live_test.Score")): 404,
	} {
		if code, _, _ := get(t, hs.URL+path); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
	resp, err := http.Post(hs.URL+"/stop", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || d.g.Stopping() {
		t.Errorf("POST /stop without AllowStop: %d, stopping %v", resp.StatusCode, d.g.Stopping())
	}
}

// The handler works under a prefix: every URL of the page is relative.
func TestMountedUnderAPrefix(t *testing.T) {
	d := newDemo(t)
	srv := live.New(d.g)
	mux := http.NewServeMux()
	mux.Handle("/live/", http.StripPrefix("/live", srv))
	hs := httptest.NewServer(mux)
	defer func() { srv.Close(); hs.Close() }()
	code, page, _ := get(t, hs.URL+"/live/")
	if code != 200 || !strings.Contains(page, `src="assets/page.js"`) {
		t.Fatalf("page under /live/: %d", code)
	}
	for _, path := range []string{"/live/assets/page.js", "/live/assets/page.css", "/live/metrics.json", "/live/graph.svg", "/live/metrics"} {
		if code, _, _ := get(t, hs.URL+path); code != 200 {
			t.Errorf("GET %s: %d", path, code)
		}
	}
}

func linkOfKind(s live.Snapshot, kind string) int {
	for _, l := range s.Links {
		if l.Kind == kind {
			return l.ID
		}
	}
	return -1
}

// With AllowStop, a POST from the page's origin stops the graph gracefully;
// one from another origin is refused.
func TestStopIsOptIn(t *testing.T) {
	d := newDemo(t)
	hs := serve(t, live.New(d.g, live.AllowStop()))
	post := func(origin string) int {
		req, _ := http.NewRequest("POST", hs.URL+"/stop", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("http://evil.example"); code != http.StatusForbidden || d.g.Stopping() {
		t.Fatalf("cross-origin stop: %d", code)
	}
	if code := post(hs.URL); code != http.StatusAccepted {
		t.Fatalf("stop: %d", code)
	}
	if err := d.wait(); err != nil {
		t.Fatalf("Run after a graceful stop: %v", err)
	}
	_, body, _ := get(t, hs.URL+"/metrics.json")
	var snap live.Snapshot
	if err := json.Unmarshal([]byte(body), &snap); err != nil || snap.State != "done" {
		t.Fatalf("after stop: state %q, %v", snap.State, err)
	}
}

// /events sends a snapshot with the drawing at once and then every
// interval; Close ends an open stream.
func TestEvents(t *testing.T) {
	d := newDemo(t)
	srv := live.New(d.g, live.Interval(50*time.Millisecond))
	hs := serve(t, srv)
	resp, err := http.Get(hs.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReaderSize(resp.Body, 1<<20)
	var snaps []live.Snapshot
	for len(snaps) < 3 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var s live.Snapshot
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				t.Fatal(err)
			}
			snaps = append(snaps, s)
		}
	}
	if !strings.HasPrefix(snaps[0].SVG, "<svg") || snaps[0].State != "running" {
		t.Fatalf("first event: state %q, svg %.40q, error %q", snaps[0].State, snaps[0].SVG, snaps[0].SVGError)
	}
	if snaps[2].Stages[0].Out <= snaps[0].Stages[0].Out {
		t.Errorf("camera's out did not advance over three events: %d, %d", snaps[0].Stages[0].Out, snaps[2].Stages[0].Out)
	}
	srv.Close()
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatalf("stream after Close: %v", err)
	}
	if code, _, _ := get(t, hs.URL+"/events"); code != http.StatusServiceUnavailable {
		t.Errorf("events after Close: %d", code)
	}
}

// A preview of a link of encoded frames shows none, and says why.
func TestPreviewOfEncodedFramesSaysWhy(t *testing.T) {
	frametest.NoLeaks(t)
	g := stream.New()
	src := stream.AddSource(g, "encoder", stage.SourceFunc[V](func(ctx context.Context, out stage.Out[V]) error {
		for ctx.Err() == nil {
			if !out.Send(V{Data: frame.NewBytes([]byte{0, 0, 0, 1, 0x65}), Format: frame.H264, Width: 64, Height: 48}) {
				return ctx.Err()
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	}))
	stream.AddSink(g, "mux", src, &stage.Null[V]{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() { cancel(); <-done }()

	srv := live.New(g)
	hs := serve(t, srv)
	pctx, pcancel := context.WithCancel(context.Background())
	defer pcancel()
	req, _ := http.NewRequestWithContext(pctx, "GET", hs.URL+"/preview/0", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/x-mixed-replace") {
		t.Fatalf("Content-Type %q", ct)
	}
	for {
		_, body, _ := get(t, hs.URL+"/metrics.json")
		var snap live.Snapshot
		if err := json.Unmarshal([]byte(body), &snap); err != nil {
			t.Fatal(err)
		}
		if note := snap.Links[0].PreviewNote; note != "" {
			if !strings.Contains(note, "H264 frames are encoded") {
				t.Fatalf("note %q", note)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/live"
)

// FuzzRequest sends any method and path to the handler of a finished
// graph: it answers each with a status, never panics, and never changes
// the graph (read-only unless AllowStop).
func FuzzRequest(f *testing.F) {
	for _, seed := range []string{"GET /", "GET /preview/0", "GET /preview/-1", "GET /preview/99999999999999999999",
		"GET /preview/1/x", "POST /stop", "GET /events", "GET /metrics", "GET /assets/../server.go", "GET /graph.svg", "HEAD /metrics.json"} {
		f.Add(seed)
	}
	g := stream.New()
	v := stream.AddSource(g, "camera", &stage.Pattern{Width: 16, Height: 16, Frames: 3})
	stream.AddSink(g, "sink", v, &stage.Null[frame.Video]{})
	if err := g.Run(context.Background()); err != nil {
		f.Fatal(err)
	}
	srv := live.New(g)
	defer srv.Close()
	f.Fuzz(func(t *testing.T, line string) {
		method, path, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(method, " \t\r\n") || method == "" {
			return
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, nil)
		if err != nil {
			return
		}
		// Streams end at once: their client has already left.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req.WithContext(ctx))
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("%s %s: status %d", method, path, rec.Code)
		}
		if g.Stopping() {
			t.Fatalf("%s %s stopped the graph", method, path)
		}
	})
}

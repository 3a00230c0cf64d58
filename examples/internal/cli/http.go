// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package cli

import (
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/live"
)

// HTTPUsage is the help of the examples' -http flag.
const HTTPUsage = "serve a live page of the graph (stages, links, previews, /metrics for Prometheus) on `ADDR`, such as 127.0.0.1:8080; a missing host means 127.0.0.1"

// ServeLive serves the live page of g (package stream/live), titled title,
// on addr and prints its URL on w. An empty addr serves nothing. A missing host
// (":8080") binds 127.0.0.1 only, so the page is not reachable from other
// machines unless the user asks (0.0.0.0:8080). The returned stop closes
// the server, ending open previews and event streams, and waits for their
// handlers; call it before checking for leaked frames, since a preview
// holds one frame while it is watched.
func ServeLive(g *stream.Graph, addr, title string, w io.Writer) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-http %q: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("-http: %w", err)
	}
	page := live.New(g, live.Title(title))
	server := &http.Server{Handler: page}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = server.Serve(ln) // returns when Close closes ln
	}()
	fmt.Fprintf(w, "live page: http://%s/\n", ln.Addr())
	return func() {
		_ = server.Close() // closes connections, so blocked writes fail
		page.Close()
		<-done
	}, nil
}

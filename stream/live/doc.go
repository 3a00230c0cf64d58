// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package live serves a running stream.Graph over HTTP: a page that draws
// the graph and updates every stage and link about once a second, a live
// MJPEG preview of any raw video link, Prometheus metrics, and the graph
// as Dot, SVG and JSON for scripts. It is pure Go (no cgo) and read-only
// by default: it serves whatever address the caller binds, and its one
// control action, a graceful stop, is off unless AllowStop is given.
//
//	srv := live.New(g)
//	defer srv.Close()
//	go http.Serve(listener, srv)
//
// Routes, relative to where the handler is mounted:
//
//	/              the page (HTML, with page.js and page.css)
//	/events        Server-Sent Events: one JSON snapshot (with the drawing) per interval
//	/metrics.json  the same snapshot, without the drawing
//	/metrics       Prometheus text format (a private registry: the graph's
//	               Collector, Go runtime and process collectors)
//	/graph.dot     stream.Graph.Dot
//	/graph.svg     that Dot drawn by Graphviz (github.com/goccy/go-graphviz:
//	               Graphviz compiled to WebAssembly, run by wazero, in pure Go)
//	/preview/N     MJPEG (multipart/x-mixed-replace) of video link N
//	/stop          POST: g.Stop(), only with AllowStop
//
// The drawing is made on the server so that scripts get the same SVG as the
// page and the page needs no library: its JavaScript is a few dozen lines.
// Importing the package compiles Graphviz's WebAssembly once per machine
// (about a second; go-graphviz caches it under os.TempDir()/go-graphviz, and
// later starts take tens of milliseconds).
package live

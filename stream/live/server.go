// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live

import (
	"context"
	"embed"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spinorml/streamer/stream"
)

//go:embed assets
var assets embed.FS

// Option configures a Server.
type Option func(*config)

type config struct {
	title        string
	interval     time.Duration
	preview      bool
	allowStop    bool
	previewWidth int
	previewFPS   float64
	labels       prometheus.Labels
}

// Title sets the page's title (default "streamer").
func Title(s string) Option { return func(c *config) { c.title = s } }

// Interval sets how often the page is updated (default 1 s; at least 50 ms).
func Interval(d time.Duration) Option {
	return func(c *config) { c.interval = max(d, 50*time.Millisecond) }
}

// Preview turns the MJPEG preview on (the default) or off.
func Preview(on bool) Option { return func(c *config) { c.preview = on } }

// PreviewSize bounds the width of preview images (default 640): wider
// frames are shrunk by a whole factor, which costs nothing per pixel left out.
func PreviewSize(maxWidth int) Option {
	return func(c *config) { c.previewWidth = max(maxWidth, 16) }
}

// PreviewRate bounds how many preview images a viewer gets per second
// (default 10); the frames in between are dropped by the preview's tap and
// counted, never waited for.
func PreviewRate(fps float64) Option {
	return func(c *config) {
		if fps > 0 {
			c.previewFPS = fps
		}
	}
}

// AllowStop enables the one control action: a POST to /stop (the page's
// Stop button) calls the graph's Stop, ending it gracefully. Off by
// default: the server is read-only.
func AllowStop() Option { return func(c *config) { c.allowStop = true } }

// MetricLabels adds constant labels to every metric of the graph (such as
// {"graph": "camera-1"}, to tell several graphs apart in one Prometheus).
func MetricLabels(l prometheus.Labels) Option { return func(c *config) { c.labels = l } }

// Server is the http.Handler of one graph; see the package doc for its
// routes. It is safe for concurrent use. Close ends the streams it serves.
type Server struct {
	g         *stream.Graph
	cfg       config
	collector *Collector
	metrics   http.Handler
	sampler   sampler
	mux       *http.ServeMux
	notes     previewNotes

	mu      sync.Mutex
	closed  bool
	done    context.Context // ended by Close
	close   context.CancelFunc
	streams sync.WaitGroup
}

// New returns the handler of g. Nothing runs until a request comes; the
// handler reads g's metrics (safe at any time) and taps a link only while
// its preview is watched.
func New(g *stream.Graph, opts ...Option) *Server {
	cfg := config{title: "streamer", interval: time.Second, preview: true, previewWidth: 640, previewFPS: 10}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{g: g, cfg: cfg}
	s.done, s.close = context.WithCancel(context.Background())
	s.sampler.g = g
	s.collector = NewCollector(g, cfg.labels)
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.collector, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})

	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.page)
	m.Handle("GET /assets/", http.FileServerFS(assets))
	m.HandleFunc("GET /events", s.events)
	m.HandleFunc("GET /metrics.json", s.metricsJSON)
	m.Handle("GET /metrics", s.metrics)
	m.HandleFunc("GET /graph.dot", s.dot)
	m.HandleFunc("GET /graph.svg", s.svg)
	m.HandleFunc("GET /preview/{link}", s.preview)
	m.HandleFunc("POST /stop", s.stop)
	s.mux = m
	return s
}

// Handler returns New(g, opts...) as an http.Handler.
func Handler(g *stream.Graph, opts ...Option) http.Handler { return New(g, opts...) }

// Collector returns the Prometheus collector of the graph that /metrics
// serves, to register in a registry of one's own as well.
func (s *Server) Collector() *Collector { return s.collector }

// ServeHTTP serves the page, the event stream, the previews and the
// metrics. Responses are never cached and never sniffed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// Close ends every event stream and preview being served and waits for
// their handlers to return; later ones end at once. The rest of the routes
// keep working. Close is what lets an http.Server or httptest.Server shut
// down while a browser is still watching.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.close()
	s.mu.Unlock()
	s.streams.Wait()
}

// beginStream counts a long-lived response and returns its context, which
// ends when the client leaves or the server closes, and the func to call
// when the response is done. After Close it answers 503 itself and
// reports false.
func (s *Server) beginStream(w http.ResponseWriter, r *http.Request) (context.Context, func(), bool) {
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.streams.Add(1)
	}
	s.mu.Unlock()
	if closed {
		http.Error(w, "live: server closed", http.StatusServiceUnavailable)
		return nil, nil, false
	}
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(s.done, cancel)
	return ctx, func() { stop(); cancel(); s.streams.Done() }, true
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/page.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	page := strings.ReplaceAll(string(b), "{{title}}", htmlEscape(s.cfg.title))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
	_, _ = w.Write([]byte(page))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func (s *Server) metricsJSON(w http.ResponseWriter, r *http.Request) {
	snap := s.snapshot(false)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(snap)
}

func (s *Server) dot(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/vnd.graphviz; charset=utf-8")
	_, _ = w.Write([]byte(s.g.Dot()))
}

func (s *Server) svg(w http.ResponseWriter, r *http.Request) {
	svg, err := renderSVG(s.g.Dot())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = w.Write([]byte(svg))
}

// stop ends the graph gracefully when the server allows it. A request
// from another origin (a page elsewhere posting a form here) is refused.
func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.allowStop {
		http.Error(w, "live: stopping the graph is not allowed (live.AllowStop)", http.StatusForbidden)
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
		http.Error(w, "live: stop from another origin refused", http.StatusForbidden)
		return
	}
	s.g.Stop()
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte("stopping\n"))
}

// events streams a snapshot, with the drawing, every interval until the
// client leaves or the server closes.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ctx, end, ok := s.beginStream(w, r)
	if !ok {
		return
	}
	defer end()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no") // a proxy in front must not hold events
	w.WriteHeader(http.StatusOK)
	t := time.NewTicker(s.cfg.interval)
	defer t.Stop()
	for {
		b, err := json.Marshal(s.snapshot(true))
		if err != nil {
			return
		}
		if _, err := w.Write([]byte("retry: 2000\ndata: ")); err != nil {
			return
		}
		_, _ = w.Write(b)
		if _, err := w.Write([]byte("\n\n")); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// linkID parses the {link} of a preview path.
func linkID(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && strconv.Itoa(n) == s
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live

import (
	"fmt"
	"sync"
	"time"

	"github.com/spinorml/streamer/stream"
)

// Snapshot is what the page shows at one moment, as /metrics.json and each
// event of /events carry it (JSON).
type Snapshot struct {
	Title string `json:"title"`
	// State is the graph's: "waiting" (not run yet), "running",
	// "draining" (Stop was called, the stages finish what they hold),
	// "done" or "failed" (every stage has ended, one with an error).
	State    string      `json:"state"`
	CanStop  bool        `json:"can_stop"`
	Preview  bool        `json:"preview"`
	Interval float64     `json:"interval_s"`
	Stages   []StageView `json:"stages"`
	Links    []LinkView  `json:"links"`
	// SVG is the drawing (only in /events), or "" when Graphviz failed,
	// with the reason in SVGError.
	SVG      string `json:"svg,omitempty"`
	SVGError string `json:"svg_error,omitempty"`
}

// StageView is one stage in a Snapshot.
type StageView struct {
	ID        int     `json:"id"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	In        uint64  `json:"in"`
	Out       uint64  `json:"out"`
	Dropped   uint64  `json:"dropped"`
	Abandoned uint64  `json:"abandoned"`
	Queued    int     `json:"queued"`
	FPS       float64 `json:"fps"`     // over the last interval
	AvgFPS    float64 `json:"avg_fps"` // since the stage started
	LatencyMS float64 `json:"latency_ms"`
	ElapsedS  float64 `json:"elapsed_s"`
	Error     string  `json:"error,omitempty"`
	// Live is a live input's or output's reconnect counters; nil for
	// other stages.
	Live *LiveView `json:"live,omitempty"`
}

// LiveView is a stage's stream.LiveStats in a Snapshot.
type LiveView struct {
	Retries    uint64  `json:"retries"`
	Reconnects uint64  `json:"reconnects"`
	Timeouts   uint64  `json:"timeouts"`
	GapS       float64 `json:"gap_s"`
	Dropped    uint64  `json:"dropped"`
}

// LinkView is one link in a Snapshot.
type LinkView struct {
	ID          int     `json:"id"`
	From        string  `json:"from"`
	To          string  `json:"to"`
	Kind        string  `json:"kind"`
	Policy      string  `json:"policy"`
	Capacity    int     `json:"capacity"`
	Queued      int     `json:"queued"`
	Bytes       int64   `json:"bytes"`
	Sent        uint64  `json:"sent"`
	Received    uint64  `json:"received"`
	Dropped     uint64  `json:"dropped"`
	Abandoned   uint64  `json:"abandoned"`
	FPS         float64 `json:"fps"`
	Previewable bool    `json:"previewable"`
	PreviewDrop uint64  `json:"preview_dropped"`
	PreviewNote string  `json:"preview_note,omitempty"`
}

// sampler turns counters into rates over the last interval, shared by
// every viewer.
type sampler struct {
	g    *stream.Graph
	mu   sync.Mutex
	at   time.Time
	outs []uint64 // per stage: Out, or In for sinks
	sent []uint64 // per link
	fps  []float64
	lfps []float64
}

// rates returns each stage's and each link's frames per second since the
// previous call at least 100 ms ago (earlier calls share that result).
func (sm *sampler) rates(ms []stream.Metrics, ls []stream.LinkMetrics, counts []uint64) (stage, link []float64) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	now := time.Now()
	if len(sm.outs) == len(counts) && len(sm.sent) == len(ls) && now.Sub(sm.at) < 100*time.Millisecond {
		return sm.fps, sm.lfps
	}
	dt := now.Sub(sm.at).Seconds()
	fps, lfps := make([]float64, len(counts)), make([]float64, len(ls))
	if len(sm.outs) == len(counts) && len(sm.sent) == len(ls) && dt > 0 {
		for i, c := range counts {
			fps[i] = float64(c-min(c, sm.outs[i])) / dt
		}
		for i, l := range ls {
			lfps[i] = float64(l.Sent-min(l.Sent, sm.sent[i])) / dt
		}
	} else { // the first look: the average since the start
		for i, m := range ms {
			fps[i] = m.FPS
		}
	}
	sm.at, sm.outs, sm.fps, sm.lfps = now, counts, fps, lfps
	sm.sent = make([]uint64, len(ls))
	for i, l := range ls {
		sm.sent[i] = l.Sent
	}
	return fps, lfps
}

// graphState sums up the stages' states.
func graphState(g *stream.Graph, ms []stream.Metrics) string {
	var running, ended, failed int
	for _, m := range ms {
		switch m.State {
		case stream.Running:
			running++
		case stream.Done:
			ended++
		case stream.Failed:
			ended++
			failed++
		}
	}
	switch {
	case running > 0 && g.Stopping():
		return "draining"
	case running > 0:
		return "running"
	case failed > 0:
		return "failed"
	case ended > 0 && ended == len(ms):
		return "done"
	}
	return "waiting"
}

// snapshot reads the graph now; withSVG adds the drawing.
func (s *Server) snapshot(withSVG bool) Snapshot {
	ms, ls := s.g.Metrics(), s.g.Links()
	snap := Snapshot{
		Title: s.cfg.title, State: graphState(s.g, ms), CanStop: s.cfg.allowStop,
		Preview: s.cfg.preview, Interval: s.cfg.interval.Seconds(),
		Stages: make([]StageView, len(ms)), Links: make([]LinkView, len(ls)),
	}
	counts := make([]uint64, len(ms))
	sinks := map[string]bool{}
	for _, m := range ms {
		sinks[m.Stage] = true
	}
	for _, l := range ls {
		delete(sinks, l.From)
	}
	for i, m := range ms {
		counts[i] = m.Out
		if sinks[m.Stage] {
			counts[i] = m.In
		}
	}
	fps, lfps := s.sampler.rates(ms, ls, counts)
	for i, m := range ms {
		v := StageView{
			ID: i, Name: m.Stage, State: m.State.String(), In: m.In, Out: m.Out,
			Dropped: m.Dropped, Abandoned: m.Abandoned, Queued: m.Queued,
			FPS: round(fps[i]), AvgFPS: round(m.FPS),
			LatencyMS: round(m.Latency.Seconds() * 1000), ElapsedS: round(m.Elapsed.Seconds()),
		}
		if m.State != stream.Running {
			v.FPS = 0
		}
		if m.Err != nil {
			v.Error = m.Err.Error()
		}
		if l := m.Live; l != nil {
			v.Live = &LiveView{Retries: l.Retries, Reconnects: l.Reconnects, Timeouts: l.Timeouts,
				GapS: round(l.Gaps.Seconds()), Dropped: l.Dropped}
		}
		snap.Stages[i] = v
	}
	running := map[string]bool{}
	for _, m := range ms {
		running[m.Stage] = m.State == stream.Running
	}
	for i, l := range ls {
		rate := lfps[i]
		if !running[l.From] {
			rate = 0
		}
		snap.Links[i] = LinkView{
			ID: l.ID, From: l.From, To: l.To, Kind: l.Kind, Policy: l.Policy.String(),
			Capacity: l.Capacity, Queued: l.Queued, Bytes: l.Bytes, Sent: l.Sent,
			Received: l.Received, Dropped: l.Dropped, Abandoned: l.Abandoned, FPS: round(rate),
			Previewable: s.cfg.preview && l.Kind == "video", PreviewDrop: l.TapDropped,
			PreviewNote: s.notes.get(l.ID),
		}
	}
	if withSVG {
		svg, err := renderSVG(s.g.Dot())
		if err != nil {
			snap.SVGError = fmt.Sprint(err)
		}
		snap.SVG = svg
	}
	return snap
}

// round keeps two decimals, enough for a page and a script.
func round(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

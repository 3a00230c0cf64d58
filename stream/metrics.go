// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream

import (
	"fmt"
	"strings"
	"time"

	"github.com/spinorml/streamer/stage"
)

// State is where a node is in its life.
type State uint8

// The states, in the order a node goes through them.
const (
	Waiting State = iota // Run has not started it
	Running
	Done   // returned without error
	Failed // returned an error (or panicked)
)

func (s State) String() string {
	return [...]string{"waiting", "running", "done", "failed"}[s]
}

// Metrics is a snapshot of one stage's counters, from the counters of the
// pipes around it. Frames are counted as they cross pipes, so a stage pays
// nothing extra to be measured.
type Metrics struct {
	Stage     string
	State     State
	In        uint64        // frames received from its input pipes
	Out       uint64        // frames accepted by its output pipes (a Tee counts each branch)
	Dropped   uint64        // frames its output pipes dropped by policy
	Abandoned uint64        // frames released unread from its inputs after it stopped
	Queued    int           // frames waiting in its input pipes now
	FPS       float64       // frames per second since it started: Out, or In for sinks
	Latency   time.Duration // estimated wait in its input pipes: Queued over the input rate
	Elapsed   time.Duration // time since it started, or that it ran
	// Err is why the stage failed (the cause, without the StageError
	// around it); nil unless State is Failed.
	Err error
	// Live is what a live input or output went through (reconnects,
	// stalls); nil for a stage that reports none (see Node.ReportLive).
	Live *LiveStats
}

// LiveStats counts what a live network input or output went through:
// its pipes cannot see a server that went away and came back.
type LiveStats struct {
	Retries    uint64        // reconnect attempts begun
	Reconnects uint64        // attempts that delivered (inputs) or took (outputs) frames again
	Timeouts   uint64        // inputs: stalls longer than the input's timeout
	Gaps       time.Duration // inputs: the time without frames between losses and reconnects
	Dropped    uint64        // outputs: frames released while the server was away
}

// ReportLive makes Metrics call stats for n's LiveStats (Metrics.Live),
// from any goroutine at any time; a nil stats reports none. It returns n.
func (n *Node) ReportLive(stats func() LiveStats) *Node {
	if stats == nil {
		n.live.Store(nil)
	} else {
		n.live.Store(&stats)
	}
	return n
}

// liveOf returns n's LiveStats now, or nil when it reports none.
func liveOf(n *Node) *LiveStats {
	f := n.live.Load()
	if f == nil {
		return nil
	}
	s := (*f)()
	return &s
}

// Metrics returns a snapshot of every stage, in the order they were added.
// It is safe to call while the graph runs.
func (g *Graph) Metrics() []Metrics {
	g.mu.Lock()
	nodes := append([]*Node(nil), g.nodes...)
	g.mu.Unlock()
	ms := make([]Metrics, len(nodes))
	for i, n := range nodes {
		m := Metrics{Stage: n.name, Live: liveOf(n)}
		start, end := n.start.Load(), n.end.Load()
		switch {
		case start == 0:
			m.State = Waiting
		case end == 0:
			m.State, end = Running, now()
		case n.failed.Load():
			m.State, m.Err = Failed, n.cause
		default:
			m.State = Done
		}
		if start != 0 {
			m.Elapsed = time.Duration(end - start)
		}
		for _, p := range n.reads {
			s := p.link.Stats()
			m.In += s.Received
			m.Abandoned += s.Abandoned
			m.Queued += s.Queued
		}
		for _, p := range n.writes {
			s := p.link.Stats()
			m.Out += s.Sent
			m.Dropped += s.Dropped
		}
		count := m.Out
		if len(n.writes) == 0 {
			count = m.In
		}
		if m.Elapsed > 0 {
			m.FPS = float64(count) / m.Elapsed.Seconds()
			if in := float64(m.In) / m.Elapsed.Seconds(); in > 0 {
				// Little's law: the time a frame waits is the queue
				// length over the rate frames leave it.
				m.Latency = time.Duration(float64(m.Queued) / in * float64(time.Second))
			}
		}
		ms[i] = m
	}
	return ms
}

// String formats m on one line; a live stage's reconnect counters follow
// its frame counters.
func (m Metrics) String() string {
	s := fmt.Sprintf("%s: %v in=%d out=%d dropped=%d queued=%d fps=%.1f latency=%v",
		m.Stage, m.State, m.In, m.Out, m.Dropped, m.Queued, m.FPS, m.Latency.Round(time.Microsecond))
	if l := m.Live; l != nil {
		s += fmt.Sprintf(" retries=%d reconnects=%d timeouts=%d gaps=%v lost=%d",
			l.Retries, l.Reconnects, l.Timeouts, l.Gaps.Round(time.Millisecond), l.Dropped)
	}
	return s
}

// LinkMetrics is a snapshot of one pipe's counters, with the stages at
// its ends.
type LinkMetrics struct {
	ID       int    // the pipe's number in its graph, in the order pipes were made (see TapPipe)
	From, To string // the stages writing and reading it; "" when it has none
	Kind     string // "video", "audio", or the item type ("Detection")
	stage.LinkStats
}

// Links returns a snapshot of every pipe, in the order they were made. It
// is safe to call while the graph runs.
func (g *Graph) Links() []LinkMetrics {
	g.mu.Lock()
	pipes := append([]*pipe(nil), g.pipes...)
	g.mu.Unlock()
	ls := make([]LinkMetrics, len(pipes))
	for i, p := range pipes {
		ls[i] = LinkMetrics{ID: p.id, Kind: p.kind, LinkStats: p.link.Stats()}
		if p.writer != nil {
			ls[i].From = p.writer.name
		}
		if p.reader != nil {
			ls[i].To = p.reader.name
		}
	}
	return ls
}

// stateColors fill a stage's box in Dot by its state.
var stateColors = [...]string{Waiting: "white", Running: "palegreen", Done: "lightgrey", Failed: "salmon"} //nolint:gochecknoglobals // constant table

// Dot renders the graph for Graphviz (dot -Tsvg), with each stage's state
// and counters and each pipe's type, bounds and traffic at this moment. A
// failed stage is drawn red with its error (cut to 200 characters). Nodes
// have the SVG ids stage-N (N: the order stages were added) and edges
// link-N (N: the pipe's ID), for pages that style or update the drawing.
// Labels are in Courier, a font whose widths Graphviz knows without a font
// library, so that they fit their boxes when a browser draws the SVG.
func (g *Graph) Dot() string {
	var b strings.Builder
	b.WriteString("digraph stream {\n  rankdir=LR;\n  node [shape=box, style=filled, fontname=\"Courier\"];\n  edge [fontname=\"Courier\", fontsize=10];\n")
	ms := g.Metrics()
	ids := map[*Node]int{}
	g.mu.Lock()
	for i, n := range g.nodes {
		ids[n] = i
	}
	pipes := append([]*pipe(nil), g.pipes...)
	g.mu.Unlock()
	for i, m := range ms {
		label := fmt.Sprintf("%s\n%v, %.1f fps\nin %d, out %d", m.Stage, m.State, m.FPS, m.In, m.Out)
		if m.Dropped > 0 {
			label += fmt.Sprintf(", dropped %d", m.Dropped)
		}
		if l := m.Live; l != nil && l.Retries > 0 {
			label += fmt.Sprintf("\nretries %d, reconnects %d", l.Retries, l.Reconnects)
		}
		if m.Err != nil {
			label += "\n" + wrap(m.Err.Error(), 200, 48)
		}
		fmt.Fprintf(&b, "  n%d [id=\"stage-%d\", fillcolor=%s, label=%q];\n", i, i, stateColors[m.State], label)
	}
	for _, p := range pipes {
		if p.writer == nil || p.reader == nil {
			continue
		}
		s := p.link.Stats()
		label := fmt.Sprintf("%s, cap %d, %v\nsent %d", p.kind, s.Capacity, s.Policy, s.Sent)
		if s.Dropped > 0 {
			label += fmt.Sprintf(", dropped %d", s.Dropped)
		}
		if s.Queued > 0 {
			label += fmt.Sprintf(", queued %d", s.Queued)
		}
		fmt.Fprintf(&b, "  n%d -> n%d [id=\"link-%d\", label=%q];\n", ids[p.writer], ids[p.reader], p.id, label)
	}
	b.WriteString("}\n")
	return b.String()
}

// wrap cuts s to limit runes (with an ellipsis) and breaks it into lines
// of about width runes at spaces, for a Dot label.
func wrap(s string, limit, width int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > limit {
		r = append(r[:limit-1], '…')
	}
	var b strings.Builder
	col := 0
	for _, c := range r {
		if c == ' ' && col >= width {
			b.WriteByte('\n')
			col = 0
			continue
		}
		b.WriteRune(c)
		col++
	}
	return b.String()
}

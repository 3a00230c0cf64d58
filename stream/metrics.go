// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream

import (
	"fmt"
	"strings"
	"time"
)

// State is where a node is in its life.
type State uint8

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
}

// Metrics returns a snapshot of every stage, in the order they were added.
// It is safe to call while the graph runs.
func (g *Graph) Metrics() []Metrics {
	g.mu.Lock()
	nodes := append([]*Node(nil), g.nodes...)
	g.mu.Unlock()
	ms := make([]Metrics, len(nodes))
	for i, n := range nodes {
		m := Metrics{Stage: n.name}
		start, end := n.start.Load(), n.end.Load()
		switch {
		case start == 0:
			m.State = Waiting
		case end == 0:
			m.State, end = Running, now()
		case n.failed.Load():
			m.State = Failed
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

// String formats m on one line.
func (m Metrics) String() string {
	return fmt.Sprintf("%s: %v in=%d out=%d dropped=%d queued=%d fps=%.1f latency=%v",
		m.Stage, m.State, m.In, m.Out, m.Dropped, m.Queued, m.FPS, m.Latency.Round(time.Microsecond))
}

// Dot renders the graph for Graphviz (dot -Tsvg), with each stage's state
// and counters and each pipe's type, bounds and traffic at this moment.
func (g *Graph) Dot() string {
	var b strings.Builder
	b.WriteString("digraph stream {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n")
	ms := g.Metrics()
	ids := map[*Node]int{}
	g.mu.Lock()
	for i, n := range g.nodes {
		ids[n] = i
	}
	g.mu.Unlock()
	for i, m := range ms {
		fmt.Fprintf(&b, "  n%d [label=%q];\n", i, fmt.Sprintf("%s\n%v, %.1f fps\nin %d, out %d", m.Stage, m.State, m.FPS, m.In, m.Out))
	}
	for _, p := range g.pipes {
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
		fmt.Fprintf(&b, "  n%d -> n%d [label=%q];\n", ids[p.writer], ids[p.reader], label)
	}
	b.WriteString("}\n")
	return b.String()
}

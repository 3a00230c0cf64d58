// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream

import (
	"fmt"

	"github.com/spinorml/streamer/stage"
)

// Tap attaches a stage.Tap to p: a drop-oldest view of the items its
// reader receives, for a preview or a probe, that never slows the pipe.
// Close the tap when done.
func (p *Pipe[T]) Tap() *stage.Tap[T] { return p.link.Tap() }

// TapPipe attaches a stage.Tap to the pipe of g numbered id (its
// LinkMetrics.ID), for code that found the pipe in Links rather than
// holding it. It fails when there is no such pipe or it does not carry T.
// Close the tap when done; a tap of a pipe whose run has ended simply
// receives nothing more. It is safe to call while the graph runs.
func TapPipe[T any](g *Graph, id int) (*stage.Tap[T], error) {
	g.mu.Lock()
	var p *pipe
	if id >= 0 && id < len(g.pipes) {
		p = g.pipes[id]
	}
	g.mu.Unlock()
	if p == nil {
		return nil, fmt.Errorf("stream: no pipe %d", id)
	}
	l, ok := p.link.(*stage.Link[T])
	if !ok {
		return nil, fmt.Errorf("stream: pipe %d carries %s, not %s", id, p.kind, kindOf[T]())
	}
	return l.Tap(), nil
}

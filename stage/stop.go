// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"sync"
	"time"
)

// StopPoint ends the streams of several source links at one media time, so
// that a graceful stop leaves audio and video ending together: a source that
// runs ahead of another (audio is cheap to make, so its source fills its
// links first) is not cut short while the other is still behind.
//
// Once Stop is called, each link's next Send reports the End (PTS +
// Duration) of the frame it carried. Until every link has reported once (or
// closed), every link goes on; then the target is the latest first-reported
// End, and each link's Send reports false as soon as it has carried a frame
// that reaches the target. The frame that reaches it is delivered: nothing a
// source made is lost.
//
// A StopPoint is used by the graph runner (package stream); a hand-built
// runner attaches links with Link.StopAt, then calls Stop.
type StopPoint struct {
	mu       sync.Mutex
	links    int
	first    map[int]time.Duration // End of each link's first frame after Stop
	closed   map[int]bool
	target   time.Duration
	fixed    bool // target is known: every link reported or closed
	stopping bool
	attach   []func() // set each attached link's slow-path flag
}

// NewStopPoint returns a StopPoint with no links attached.
func NewStopPoint() *StopPoint {
	return &StopPoint{first: map[int]time.Duration{}, closed: map[int]bool{}}
}

// Stop starts the graceful stop. After the first call, subsequent calls do
// nothing.
func (s *StopPoint) Stop() {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	s.stopping = true
	attach := s.attach
	s.fix()
	s.mu.Unlock()
	for _, f := range attach {
		f()
	}
}

// Stopping reports whether Stop was called.
func (s *StopPoint) Stopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// add attaches one link and returns its id; mark makes the link's Send
// take the slow path that calls report.
func (s *StopPoint) add(mark func()) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.links
	s.links++
	s.attach = append(s.attach, mark)
	if s.stopping {
		mark()
	}
	return id
}

// report records that link id carried a frame ending at end, and reports
// whether the link has reached the stop point.
func (s *StopPoint) report(id int, end time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopping {
		return false
	}
	if _, ok := s.first[id]; !ok {
		s.first[id] = end
		s.fix()
	}
	return s.fixed && end >= s.target
}

// close records that link id ended its stream.
func (s *StopPoint) close(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed[id] = true
	if s.stopping {
		s.fix()
	}
}

// fix sets the target once every open link has reported.
func (s *StopPoint) fix() {
	if s.fixed {
		return
	}
	var target time.Duration
	for id := range s.links {
		end, ok := s.first[id]
		switch {
		case ok:
			target = max(target, end)
		case !s.closed[id]:
			return // still waiting to hear from this link
		}
	}
	s.target, s.fixed = target, true
}

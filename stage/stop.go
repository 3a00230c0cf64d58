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
// Once Stop is called, each link reports the End (PTS + Duration) of every
// frame it carries. Until every link has reported once (or closed), every
// link goes on; then the target is the latest first-reported End, and each
// link's Send reports false once it has carried a frame that reaches the
// target. That frame is delivered: nothing a source made is lost.
//
// A StopPoint is used by the graph runner (package stream); a hand-built
// runner attaches links with Link.StopAt, then calls Stop.
type StopPoint struct {
	mu       sync.Mutex
	links    int
	first    map[int]time.Duration // End of each link's first frame after Stop
	closed   map[int]bool
	target   time.Duration
	fixed    bool          // target is known: every link reported or closed
	fixedCh  chan struct{} // closed when fixed
	stopping bool
	attach   []func() // set each attached link's slow-path flag
}

// NewStopPoint returns a StopPoint with no links attached.
func NewStopPoint() *StopPoint {
	return &StopPoint{first: map[int]time.Duration{}, closed: map[int]bool{}, fixedCh: make(chan struct{})}
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

// join attaches one link and returns its id.
func (s *StopPoint) join() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.links++
	return s.links - 1
}

// watch calls begin when Stop is called, or now if it was.
func (s *StopPoint) watch(begin func()) {
	s.mu.Lock()
	s.attach = append(s.attach, begin)
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		begin()
	}
}

// report records that link id carried a frame ending at end and reports
// whether it is the link's last: it reaches the stop time.
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
	close(s.fixedCh)
}

// fixWait bounds how long a link that has reported waits for the others
// before it sends on: a source that runs ahead would otherwise keep making
// frames past the stop time while a slower one has yet to report.
const fixWait = time.Second

// wait waits until the target is fixed, at most fixWait, and reports
// whether a frame ending at end is the last.
func (s *StopPoint) wait(end time.Duration) bool {
	t := time.NewTimer(fixWait)
	defer t.Stop()
	select {
	case <-s.fixedCh:
	case <-t.C:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fixed && end >= s.target
}

// reached reports whether a frame ending at end would reach the stop time.
func (s *StopPoint) reached(end time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fixed && end >= s.target
}

// isFixed reports whether the target is known.
func (s *StopPoint) isFixed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fixed
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// liveMuxer runs a backend's Muxer for a live output with Reconnect: when
// the Muxer fails (the server went away), the frames that come meanwhile
// are released, and after the backoff the Muxer runs again (a new
// connection), starting at the next video key frame so that the server
// and its receivers can decode from the first frame. Timestamps go on as
// they come: the new session starts later in the same time line.
type liveMuxer struct {
	out Output
	m   Muxer

	retries, reconnects atomic.Uint64
	dropped             atomic.Uint64
	attempt             atomic.Int64 // the attempt under way, for the Reconnected event
	lostAt              atomic.Int64 // when the last session failed, in ns

	mu  sync.Mutex
	cur *outSession // nil between sessions
	// vEnded and aEnded record an input's end, so that a session made
	// after it (a reconnect) starts with that link closed.
	vEnded, aEnded bool
}

// Stats returns the counters of a live output (one with Reconnect).
func (l *liveMuxer) Stats() LiveStats {
	return LiveStats{Retries: l.retries.Load(), Reconnects: l.reconnects.Load(), Dropped: l.dropped.Load()}
}

// outSession is one run of the backend's Muxer: a link per input, which
// the reader of that input writes (and closes) while the session is
// current.
type outSession struct {
	video *stage.Link[frame.Video]
	audio *stage.Link[frame.Audio]
	// Guarded by liveMuxer.mu.
	keyed        bool // a video key frame has gone in (or it has no video)
	vDone, aDone bool // CloseSend called
	sent         int
	vSend, aSend sync.WaitGroup // Sends under way, outside the lock
}

// liveOut wraps m for out when out asks to reconnect; other outputs get m.
func liveOut(out Output, m Muxer) Muxer {
	if out.Reconnect == nil {
		return m
	}
	return &liveMuxer{out: out, m: m}
}

// Run writes the inputs until both end (nil once the session then running
// has finished the output), ctx is cancelled, or the reconnect attempts
// are spent.
func (l *liveMuxer) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
	hasV, hasA := video != (stage.In[frame.Video]{}), audio != (stage.In[frame.Audio]{})
	var readers sync.WaitGroup
	ended := make(chan struct{})
	var left atomic.Int32
	left.Store(int32(btoi(hasV) + btoi(hasA)))
	done := func() {
		if left.Add(-1) == 0 {
			close(ended)
		}
	}
	// The first session exists before the readers start, so their first
	// frames (the first key frame) have somewhere to go.
	s := l.newSession(hasV, hasA)
	if hasV {
		readers.Go(func() {
			defer done()
			for v := range video.All() {
				l.sendVideo(v)
			}
			l.endInput(true)
		})
	}
	if hasA {
		readers.Go(func() {
			defer done()
			for a := range audio.All() {
				l.sendAudio(a)
			}
			l.endInput(false)
		})
	}
	defer readers.Wait()
	attempt := 0
	var last error
	for {
		// The first session always runs: it may hold every frame of
		// inputs that ended at once.
		if s == nil {
			select {
			case <-ended:
				if last != nil {
					return fmt.Errorf("media: %s: the inputs ended while reconnecting: %w", l.out.URL, last)
				}
				return ctx.Err()
			default:
			}
			s = l.newSession(hasV, hasA)
		}
		var vi stage.In[frame.Video]
		var ai stage.In[frame.Audio]
		if hasV {
			vi = s.video.In()
		}
		if hasA {
			ai = s.audio.In()
		}
		err := l.m.Run(ctx, vi, ai)
		sent := l.detach(s)
		s = nil
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			return nil // the inputs ended and the output is finished
		}
		last = err
		if sent > 0 {
			attempt = 0
		}
		attempt++
		// The Reconnected event reads these; set them before announcing.
		l.attempt.Store(int64(attempt))
		l.lostAt.Store(time.Now().UnixNano())
		wait, err := l.out.Reconnect.retry(attempt, l.out.URL, err, l.emit)
		if err != nil {
			return err
		}
		l.retries.Add(1)
		if err := pause(ctx, wait, ended); err != nil {
			return err
		}
	}
}

// newSession makes the session the readers send into from now on; a
// link whose input has already ended starts closed.
func (l *liveMuxer) newSession(hasV, hasA bool) *outSession {
	s := &outSession{keyed: !hasV}
	if hasV {
		s.video = stage.NewLink[frame.Video](stage.LinkConfig{})
	}
	if hasA {
		s.audio = stage.NewLink[frame.Audio](stage.LinkConfig{})
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if hasV && l.vEnded {
		s.vDone = true
		s.video.CloseSend()
	}
	if hasA && l.aEnded {
		s.aDone = true
		s.audio.CloseSend()
	}
	l.cur = s
	return s
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (l *liveMuxer) emit(e Event) {
	if l.out.OnEvent != nil {
		l.out.OnEvent(e)
	}
}

// detach ends s after its Muxer returned: the readers stop sending into
// it, what it still holds is released, and its links are closed once the
// Sends under way are done. It returns how many frames went in.
func (l *liveMuxer) detach(s *outSession) int {
	l.mu.Lock()
	l.cur = nil
	sent := s.sent
	l.mu.Unlock()
	var wg sync.WaitGroup
	if s.video != nil {
		wg.Go(func() {
			go func() {
				s.vSend.Wait()
				l.closeLink(s, true)
			}()
			l.dropped.Add(uint64(s.video.Drain()))
		})
	}
	if s.audio != nil {
		wg.Go(func() {
			go func() {
				s.aSend.Wait()
				l.closeLink(s, false)
			}()
			l.dropped.Add(uint64(s.audio.Drain()))
		})
	}
	wg.Wait()
	return sent
}

// closeLink closes one link of s once.
func (l *liveMuxer) closeLink(s *outSession, video bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case video && !s.vDone:
		s.vDone = true
		s.video.CloseSend()
	case !video && !s.aDone:
		s.aDone = true
		s.audio.CloseSend()
	}
}

// endInput passes the end of one input to the current session. The
// reader calling it is that link's only writer, so no Send is under way.
func (l *liveMuxer) endInput(video bool) {
	l.mu.Lock()
	s := l.cur
	if video {
		l.vEnded = true
	} else {
		l.aEnded = true
	}
	l.mu.Unlock()
	if s != nil && (video && s.video != nil || !video && s.audio != nil) {
		l.closeLink(s, video)
	}
}

// sendVideo passes v to the current session once it has had a key frame,
// or releases it.
func (l *liveMuxer) sendVideo(v frame.Video) {
	l.mu.Lock()
	s := l.cur
	if s == nil || s.vDone || (!s.keyed && !v.Keyframe) {
		l.mu.Unlock()
		l.dropped.Add(1)
		v.Release()
		return
	}
	first := !s.keyed && l.retries.Load() > 0
	s.keyed = true
	s.sent++
	s.vSend.Add(1)
	l.mu.Unlock()
	if first {
		l.reconnects.Add(1)
		l.emit(Event{Kind: Reconnected, URL: l.out.URL, Attempt: int(l.attempt.Load()), Gap: time.Since(time.Unix(0, l.lostAt.Load()))})
	}
	s.video.Out().Send(v) // a session that ended drains its link: v is released there
	s.vSend.Done()
}

// sendAudio passes a to the current session once its video has started,
// or releases it.
func (l *liveMuxer) sendAudio(a frame.Audio) {
	l.mu.Lock()
	s := l.cur
	if s == nil || s.aDone || !s.keyed {
		l.mu.Unlock()
		l.dropped.Add(1)
		a.Release()
		return
	}
	s.sent++
	s.aSend.Add(1)
	l.mu.Unlock()
	s.audio.Out().Send(a)
	s.aSend.Done()
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// ErrTimeout is wrapped by the error of a live input that sent nothing for
// its Input.Timeout: a server that stalls, or a stream never published.
var ErrTimeout = errors.New("timeout")

// ErrEnded is the Err of a Reconnecting event when the input ended (the
// server closed the stream) rather than failing.
var ErrEnded = errors.New("input ended")

// Backoff says how a live input reconnects: it waits Initial before the
// first attempt, doubling the wait after each failed one up to Max, and
// gives up after Attempts attempts in a row that delivered no frame.
type Backoff struct {
	// Initial is the first wait; 0 takes 250 ms.
	Initial time.Duration
	// Max caps the wait; 0 takes 5 s.
	Max time.Duration
	// Attempts is how many attempts in a row may fail; 0 never gives up.
	Attempts int
}

// Validate reports what is wrong with b.
func (b Backoff) Validate() error {
	if b.Initial < 0 || b.Max < 0 || b.Attempts < 0 {
		return invalid("reconnect: Initial %v, Max %v, Attempts %d: want positive values or 0", b.Initial, b.Max, b.Attempts)
	}
	if b.Max > 0 && b.Initial > b.Max {
		return invalid("reconnect: Initial %v is more than Max %v", b.Initial, b.Max)
	}
	return nil
}

// wait returns the wait before attempt n (from 1).
func (b Backoff) wait(n int) time.Duration {
	w, top := b.Initial, b.Max
	if w == 0 {
		w = 250 * time.Millisecond
	}
	if top == 0 {
		top = max(5*time.Second, w)
	}
	for i := 1; i < n && w < top; i++ {
		w *= 2
	}
	return min(w, top)
}

// EventKind says what happened to a live input or output.
type EventKind int

const (
	// Reconnecting says the input failed, stalled or ended (Err says which);
	// attempt Attempt begins after Wait.
	Reconnecting EventKind = iota + 1
	// Reconnected says the input sends again, Gap after its last frame (an
	// output: publishes again, Gap after it failed).
	Reconnected
	// GaveUp says Backoff.Attempts attempts failed in a row; Run returns Err.
	GaveUp
)

func (k EventKind) String() string {
	switch k {
	case Reconnecting:
		return "reconnecting"
	case Reconnected:
		return "reconnected"
	case GaveUp:
		return "gave up"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is what Input.OnEvent and Output.OnEvent receive.
type Event struct {
	Kind    EventKind
	URL     string
	Attempt int           // the attempt, from 1, since the last frame delivered
	Err     error         // why the input was lost (Reconnecting, GaveUp)
	Wait    time.Duration // until the attempt (Reconnecting)
	Gap     time.Duration // from the last frame before the loss to the first after (Reconnected)
}

func (e Event) String() string {
	switch e.Kind {
	case Reconnecting:
		return fmt.Sprintf("%s: %v; reconnecting (attempt %d) in %v", e.URL, e.Err, e.Attempt, e.Wait)
	case Reconnected:
		return fmt.Sprintf("%s: reconnected after %v (attempt %d)", e.URL, e.Gap.Round(time.Millisecond), e.Attempt)
	}
	return fmt.Sprintf("%s: %v after %d attempts: %v", e.URL, e.Kind, e.Attempt, e.Err)
}

// LiveStats counts what a live input or output went through; see Stats.
// Graph.Metrics reports them for the stage that AddInput or AddOutput made.
type LiveStats = stream.LiveStats

// Stats returns the counters of v, an input opened for a live source
// (with a stall timeout or Reconnect) or an output created with
// Reconnect, and false for any other Demuxer or Muxer. It is safe to call
// while they run, as Graph.Metrics is.
func Stats(v any) (LiveStats, bool) {
	switch l := v.(type) {
	case *liveMuxer:
		return l.Stats(), true
	case *liveDemuxer:
		return l.Stats(), true
	}
	return LiveStats{}, false
}

// reporter returns what Node.ReportLive takes for v: its Stats, or nil
// when v keeps none.
func reporter(v any) func() LiveStats {
	if _, ok := Stats(v); !ok {
		return nil
	}
	return func() LiveStats {
		s, _ := Stats(v)
		return s
	}
}

// liveDemuxer runs a backend's Demuxer for a live input: it fails (or
// reconnects) when the input sends nothing for the timeout, and with
// Reconnect runs the Demuxer again after a failure or an end, shifting the
// timestamps of each new session to go on after the last frame sent.
// Frames pass through a link of one frame per kind, which costs a hop:
// nothing next to a network's packet rate.
type liveDemuxer struct {
	in      Input
	d       Demuxer
	timeout time.Duration

	retries, reconnects, timeouts atomic.Uint64
	gaps                          atomic.Int64
}

// Stats returns the counters of a live input.
func (l *liveDemuxer) Stats() LiveStats {
	return LiveStats{Retries: l.retries.Load(), Reconnects: l.reconnects.Load(), Timeouts: l.timeouts.Load(),
		Gaps: time.Duration(l.gaps.Load())}
}

// live wraps d for in when in asks for live handling: a stall timeout, or
// reconnects. Other inputs get d itself.
func live(in Input, d Demuxer) Demuxer {
	t := in.StallTimeout()
	if t == 0 && in.Reconnect == nil {
		return d
	}
	return &liveDemuxer{in: in, d: d, timeout: t}
}

// Streams says what Run sends: the backend's streams.
func (l *liveDemuxer) Streams() Streams { return l.d.Streams() }

// Close closes the backend's Demuxer when it has a Close (an input held
// since Open).
func (l *liveDemuxer) Close() error {
	if c, ok := l.d.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// Run sends the input's frames until it ends (nil), fails, stalls (an
// error wrapping ErrTimeout) or ctx is cancelled; with Reconnect, a
// failure, a stall or an end starts the next attempt after the backoff,
// until the attempts are spent. A graceful stop downstream (Send reports
// false) ends Run with nil.
func (l *liveDemuxer) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	var sh shifter
	attempt := 0
	for {
		n, stopped, err := l.session(ctx, video, audio, &sh, attempt)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case stopped:
			return nil
		case l.in.Reconnect == nil:
			return err
		}
		if n > 0 {
			attempt = 0
		}
		attempt++
		if err == nil {
			err = ErrEnded
		}
		wait, err := l.in.Reconnect.retry(attempt, l.in.URL, err, l.emit)
		if err != nil {
			return err
		}
		l.retries.Add(1)
		if err := pause(ctx, wait, nil); err != nil {
			return err
		}
	}
}

// pause waits d, or less when ended is closed (a nil ended never is); it
// returns ctx.Err() when ctx ends first.
func pause(ctx context.Context, d time.Duration, ended <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-ended:
	case <-t.C:
	}
	return nil
}

// retry decides the reconnect attempt after err: the wait before it,
// announced as a Reconnecting event, or, once the attempts are spent, a
// GaveUp event and the error that ends Run.
func (b *Backoff) retry(attempt int, url string, err error, emit func(Event)) (time.Duration, error) {
	if b.Attempts > 0 && attempt > b.Attempts {
		emit(Event{Kind: GaveUp, URL: url, Attempt: attempt - 1, Err: err})
		return 0, fmt.Errorf("media: %s: gave up after %d reconnect attempts: %w", url, attempt-1, err)
	}
	wait := b.wait(attempt)
	emit(Event{Kind: Reconnecting, URL: url, Attempt: attempt, Err: err, Wait: wait})
	return wait, nil
}

func (l *liveDemuxer) emit(e Event) {
	if l.in.OnEvent != nil {
		l.in.OnEvent(e)
	}
}

// errStopped ends a session whose outputs all stopped taking frames.
var errStopped = errors.New("media: every output stopped")

// session runs the backend's Demuxer once, forwarding its frames with
// their timestamps shifted, and returns how many it forwarded, whether
// every output stopped taking them (a graceful stop), and the Demuxer's
// error (one wrapping ErrTimeout when the watchdog ended it).
func (l *liveDemuxer) session(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio], sh *shifter, attempt int) (n uint64, stopped bool, err error) {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sh.begin()
	var (
		vl *stage.Link[frame.Video]
		al *stage.Link[frame.Audio]
		vo stage.Out[frame.Video]
		ao stage.Out[frame.Audio]
	)
	wanted := 0
	if video != (stage.Out[frame.Video]{}) && l.d.Streams().Video != 0 {
		vl, wanted = stage.NewLink[frame.Video](stage.LinkConfig{Capacity: 1}), wanted+1
		vo = vl.Out()
	}
	if audio != (stage.Out[frame.Audio]{}) && l.d.Streams().Audio != 0 {
		al, wanted = stage.NewLink[frame.Audio](stage.LinkConfig{Capacity: 1}), wanted+1
		ao = al.Out()
	}
	errc := make(chan error, 1)
	go func() {
		err := l.d.Run(sctx, vo, ao)
		if vl != nil {
			vl.CloseSend()
		}
		if al != nil {
			al.CloseSend()
		}
		errc <- err
	}()

	// The watchdog's view: when the last frame came, and how many
	// forwarders are waiting on a Send (downstream holding back is not
	// the input stalling).
	var w watched
	w.last.Store(time.Now().UnixNano())
	var count atomic.Uint64
	var stops atomic.Int32
	var first sync.Once
	onFrame := func() {
		if count.Add(1) == 1 && attempt > 0 {
			first.Do(func() {
				gap := sh.gap()
				l.reconnects.Add(1)
				l.gaps.Add(int64(gap))
				l.emit(Event{Kind: Reconnected, URL: l.in.URL, Attempt: attempt, Gap: gap})
			})
		}
	}
	onStop := func() {
		if int(stops.Add(1)) == wanted {
			cancel(errStopped)
		}
	}
	var wg sync.WaitGroup
	if vl != nil {
		wg.Go(func() {
			forward(vl, video, &w, func(v *frame.Video) { v.PTS, v.DTS = sh.shift(0, v.PTS, v.DTS, v.Duration) }, onFrame, onStop)
		})
	}
	if al != nil {
		wg.Go(func() {
			forward(al, audio, &w, func(a *frame.Audio) { a.PTS, a.DTS = sh.shift(1, a.PTS, a.DTS, a.Duration) }, onFrame, onStop)
		})
	}
	done := make(chan struct{})
	if l.timeout > 0 {
		wg.Go(func() { l.watch(sctx, cancel, &w, &count, done) })
	}
	err = <-errc
	close(done)
	wg.Wait()
	stopped = wanted > 0 && int(stops.Load()) == wanted
	if cause := context.Cause(sctx); errors.Is(cause, ErrTimeout) && ctx.Err() == nil {
		l.timeouts.Add(1)
		err = cause
	}
	return count.Load(), stopped, err
}

// watch cancels the session with an error wrapping ErrTimeout once no
// frame has come for the timeout (twice it before the session's first
// frame, which waits for a reconnect's connect and probe), until done is
// closed.
func (l *liveDemuxer) watch(ctx context.Context, cancel context.CancelCauseFunc, w *watched, count *atomic.Uint64, done <-chan struct{}) {
	tick := time.NewTicker(max(l.timeout/8, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
			if w.sending.Load() > 0 {
				continue
			}
			limit := l.timeout
			if count.Load() == 0 {
				limit *= 2
			}
			if idle := time.Since(time.Unix(0, w.last.Load())); idle >= limit {
				cancel(fmt.Errorf("media: %s: nothing received for %v: %w", l.in.URL, idle.Round(time.Millisecond), ErrTimeout))
				return
			}
		}
	}
}

// watched is what the stall watchdog of a session reads.
type watched struct {
	last    atomic.Int64 // wall time of the last frame received or sent, in ns
	sending atomic.Int32 // forwarders inside a Send
}

// forward sends the frames of the session's link on out, retimed, until
// the session's Demuxer ends; once out stops taking frames, the rest are
// released.
func forward[T frame.Frame](l *stage.Link[T], out stage.Out[T], w *watched, retime func(*T), onFrame, onStop func()) {
	in := l.In()
	for {
		v, ok := in.Recv()
		if !ok {
			return
		}
		w.last.Store(time.Now().UnixNano())
		retime(&v)
		onFrame()
		w.sending.Add(1)
		ok = out.Send(v)
		w.last.Store(time.Now().UnixNano())
		w.sending.Add(-1)
		if !ok {
			onStop()
			l.Drain()
			return
		}
	}
}

// shifter keeps the timestamps of a live input going on across sessions:
// the first frame of a session after the first starts where the last
// session ended plus the wall-clock gap between them, and the other frames
// keep their distance from it, so audio and video stay aligned as sent.
type shifter struct {
	mu      sync.Mutex
	offset  time.Duration
	fresh   bool          // no frame yet in this session: offset not set
	any     bool          // a frame was sent in an earlier session
	end     time.Duration // the latest end (PTS+Duration, shifted) sent
	lastAt  time.Time     // when the last frame was sent
	lastGap time.Duration // from the last frame of the sessions before to the first of this one
	lastDTS [2]time.Duration
	seen    [2]bool
}

// begin starts a session.
func (s *shifter) begin() {
	s.mu.Lock()
	s.fresh = true
	s.mu.Unlock()
}

// gap returns the wall time from the last frame of the earlier sessions
// to the first of this one.
func (s *shifter) gap() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastGap
}

// shift returns the timestamps of a frame of kind (0 video, 1 audio),
// shifted; each kind's DTS keeps increasing.
func (s *shifter) shift(kind int, pts, dts, dur time.Duration) (time.Duration, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.fresh {
		s.fresh = false
		if s.any {
			s.lastGap = now.Sub(s.lastAt)
			s.offset = s.end + s.lastGap - min(pts, dts)
		}
	}
	p, d := pts+s.offset, dts+s.offset
	if s.seen[kind] && d <= s.lastDTS[kind] {
		// A kind that starts the new session earlier than the other by
		// more than the gap: move the session on, both kinds alike.
		bump := s.lastDTS[kind] - d + time.Millisecond
		s.offset += bump
		p, d = p+bump, d+bump
	}
	s.seen[kind], s.lastDTS[kind] = true, d
	s.end = max(s.end, p+dur)
	s.lastAt, s.any = now, true
	return p, d
}

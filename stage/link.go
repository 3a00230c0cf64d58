// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"iter"
	"sync"
	"sync/atomic"
	"time"
)

// Policy says what a full link does with one more frame.
type Policy uint8

const (
	// Block makes the sender wait: backpressure, for files and encoders.
	Block Policy = iota
	// DropOldest discards the oldest queued frame to make room: live
	// sources where the newest frame matters most.
	DropOldest
	// DropNewest discards the frame being sent: live sources that must
	// never wait.
	DropNewest
)

func (p Policy) String() string {
	switch p {
	case Block:
		return "block"
	case DropOldest:
		return "drop-oldest"
	case DropNewest:
		return "drop-newest"
	}
	return "policy(?)"
}

// DefaultCapacity is the number of frames a link holds when its
// LinkConfig says 0.
const DefaultCapacity = 8

// LinkConfig sets a link's bounds and its policy when full.
type LinkConfig struct {
	// Capacity is the most frames queued; 0 means DefaultCapacity.
	Capacity int
	// MaxBytes, when positive, also bounds the bytes queued (by Data.Size),
	// as GStreamer's queue bounds by bytes: 8 frames of 4K I420 are 100 MB.
	// Under Block, as in GStreamer, a link below the bound takes one more
	// frame, so it may exceed MaxBytes by less than one frame; under the
	// drop policies the bound is exact, except that a frame larger than
	// MaxBytes is let through alone.
	MaxBytes int64
	// Policy says what a full link does; Block by default.
	Policy Policy
}

// LinkStats is a snapshot of a link's counters.
type LinkStats struct {
	Sent      uint64 // frames the writer sent
	Received  uint64 // frames the reader took
	Dropped   uint64 // frames discarded (and released) by the policy
	Abandoned uint64 // frames released because the reader had stopped
	Queued    int    // frames waiting now
	Bytes     int64  // bytes waiting now, counted on links with a byte bound or a drop policy
	Capacity  int    // the link's frame bound
	Policy    Policy // what it does when full
	// TapDropped counts frames that taps (previews, see Link.Tap) dropped
	// because a newer frame came before their viewer took them; the link
	// itself lost nothing.
	TapDropped uint64
}

// Link is a typed, bounded queue of frames between two stages: one writer
// sends on its Out, one reader receives on its In.
//
// A Block link with no byte bound is a plain Go channel: a hop costs one
// channel send, one receive and two counters. A link with a drop policy or
// a byte bound is a channel into a small queue goroutine that applies the
// policy, like GStreamer's queue element; Start runs it.
//
// The graph runner in package stream creates links, starts them, closes them
// when their writer returns and drains them when their reader returns; a test
// or a hand-built runner calls Start, CloseSend, Drain and Cancel itself.
type Link[T any] struct {
	ch      chan T // the writer sends here
	out     chan T // the reader receives here: ch itself unless managed
	cfg     LinkConfig
	managed bool
	stop    atomic.Bool // reader gone, run cancelled or stop point reached: Send reports false
	cancel  atomic.Bool // run cancelled: Recv reports the end of stream
	started atomic.Bool
	// w is where Send sends: &ch, or, once a graceful stop begins or a
	// tap watches the link, a relay goroutine that judges each frame's End
	// (see StopAt) and offers it to the taps (see Tap) before handing it
	// on. Swapping the channel keeps that work off Send and Recv, which
	// stay one channel operation and an atomic or two, small enough to
	// inline: a link nobody stops or watches pays nothing for either.
	w        atomic.Pointer[chan T]
	wmu      sync.Mutex // guards the swap against CloseSend
	closed   bool
	relaying bool
	judging  atomic.Bool // the relay judges frames against stopAt
	stopAt   *StopPoint  // set before the run: a graceful stop ends this link
	stopID   int
	ops      Ops[T]

	// taps are the Taps watching the link: nil or a slice replaced whole
	// when a tap comes or goes; read by the relay.
	taps       atomic.Pointer[[]*Tap[T]]
	tapMu      sync.Mutex
	tapDropped atomic.Uint64

	// The one counter written on every frame of a plain link, by its
	// reader, on its own cache line (see hopCount). Frames sent are
	// derived from it (received, plus queued, plus abandoned): a second
	// counter per hop, or an atomic one, measurably slows a hop.
	_        [64]byte
	received hopCount
	_        [56]byte

	taken     atomic.Uint64 // managed: frames the queue goroutine took from the writer
	dropped   atomic.Uint64
	abandoned atomic.Uint64
	queued    atomic.Int64 // managed: frames in the queue goroutine
	bytes     atomic.Int64 // managed: their bytes
}

// NewLink returns an open link. A managed link (drop policy or byte bound)
// needs Start before frames flow.
func NewLink[T any](cfg LinkConfig) *Link[T] {
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultCapacity
	}
	l := &Link[T]{cfg: cfg, managed: cfg.Policy != Block || cfg.MaxBytes > 0, ops: OpsOf[T]()}
	if l.managed {
		l.ch, l.out = make(chan T), make(chan T)
	} else {
		l.ch = make(chan T, cfg.Capacity)
		l.out = l.ch
	}
	l.w.Store(&l.ch)
	return l
}

// In returns the reading end of l.
func (l *Link[T]) In() In[T] { return In[T]{l} }

// Out returns the writing end of l.
func (l *Link[T]) Out() Out[T] { return Out[T]{l} }

// Config returns the link's configuration, with defaults applied.
func (l *Link[T]) Config() LinkConfig { return l.cfg }

// Start starts the queue goroutine of a managed link; it does nothing for a
// plain link or a second time. The goroutine ends after CloseSend, once the
// queue is empty.
func (l *Link[T]) Start() {
	if l.managed && l.started.CompareAndSwap(false, true) {
		go l.queue()
	}
}

// CloseSend marks the end of stream: the writer has returned and will send
// no more. Call it once, after the writer's last Send.
func (l *Link[T]) CloseSend() {
	l.wmu.Lock()
	l.closed = true
	close(*l.w.Load()) // a relay closes ch when it has handed on the rest
	l.wmu.Unlock()
	if l.stopAt != nil {
		l.stopAt.close(l.stopID)
	}
}

// StopAt attaches l, a source's output, to p: after p.Stop, Send reports
// false once l has carried a frame that reaches p's stop time. Call it
// before frames flow.
func (l *Link[T]) StopAt(p *StopPoint) {
	l.stopAt, l.stopID = p, p.join()
	p.watch(l.relayStop)
}

// relayStop starts the graceful stop of l: from now on the relay (see
// startRelay) reports each frame's end to the stop point, forwards it,
// and makes Send report false for the frame that reaches the stop time.
func (l *Link[T]) relayStop() {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.startRelay() {
		l.judging.Store(true)
	}
}

// startRelay makes Send hand frames to a relay goroutine, once; it
// reports false when the link is already closed. The relay ends, closing
// ch, after CloseSend, when it has handed on the rest. Call it with wmu
// held.
func (l *Link[T]) startRelay() bool {
	if l.closed {
		return false
	}
	if !l.relaying {
		l.relaying = true
		relay := make(chan T)
		l.w.Store(&relay)
		go l.relay(relay)
	}
	return true
}

// relay hands on the frames Send gives it: each is first offered to the
// taps and, during a graceful stop, judged against the stop time.
//
// Send reads its verdict just after its frame is taken, so the relay
// decides one frame ahead: when the frame after this one is due to reach
// the stop time (this one's end plus its duration), it lets the
// sender read its verdict for this frame (it takes frames only from a
// waiting sender, whose wake-up runs on the relay's P when it sleeps),
// then marks the link stopped before taking the next. Without a spacing
// (the first frame) or when the guess fails, the verdict comes after the
// frame that reaches the stop time, and one more frame may go: so each
// source ends within one frame after the stop time.
func (l *Link[T]) relay(relay chan T) {
	defer close(l.ch)
	var prev, step time.Duration
	havePrev, far := false, false
	for {
		// Far from the stop time no verdict is due: take frames as they
		// come; near it, only from a waiting sender (see above).
		judging := l.judging.Load()
		var v T
		var ok bool
		if far || !judging {
			v, ok = <-relay
		} else {
			v, ok = recvWaiting(relay)
		}
		if !ok {
			return
		}
		// A stop that began while this relay waited judges this frame.
		judging = judging || l.judging.Load()
		if l.taps.Load() != nil {
			l.offer(v)
		}
		if !judging {
			l.ch <- v
			continue
		}
		// stopAt is read only once judging: relayStop sets judging after
		// StopAt wrote it, and a tap may start the relay before either.
		sp, id := l.stopAt, l.stopID
		var start, end time.Duration
		if l.ops.Span != nil {
			start, end = l.ops.Span(v)
		}
		last := sp.report(id, end)
		if !last && !sp.isFixed() {
			last = sp.wait(end)
		}
		if last {
			l.stop.Store(true)
		}
		l.ch <- v
		// The next frame's end: this one's plus its duration, or
		// plus the spacing of the last two when it has none.
		step = end - start
		if step <= 0 && havePrev {
			step = end - prev
		}
		far = step > 0 && !sp.reached(end+3*step)
		if !last && step > 0 && sp.reached(end+step) {
			time.Sleep(relayPoll) // the sender reads its verdict for v
			l.stop.Store(true)    // the next frame is the last
		}
		prev, havePrev = end, true
	}
}

// relayPoll is how often a stopping link's relay looks for a waiting sender.
const relayPoll = 100 * time.Microsecond

// recvWaiting receives from ch once a sender is waiting on it.
func recvWaiting[T any](ch chan T) (T, bool) {
	for {
		select {
		case v, ok := <-ch:
			return v, ok
		default:
			time.Sleep(relayPoll)
		}
	}
}

// Cancel makes Send report false and Recv report the end of stream, so the
// stages on both ends wind down; queued frames are released by Drain.
func (l *Link[T]) Cancel() {
	l.cancel.Store(true)
	l.stop.Store(true)
}

// Drain is called when the reader has returned: it makes later Sends report
// false and releases every frame queued or still sent until the writer calls
// CloseSend. It returns how many frames it released. Because the link is
// drained, a writer never blocks for ever on a reader that left.
func (l *Link[T]) Drain() int {
	l.stop.Store(true)
	n := 0
	for v := range l.out {
		l.ops.release(v)
		n++
	}
	l.abandoned.Add(uint64(n))
	return n
}

// Stats returns a snapshot of the link's counters; it is safe to call while
// the link is in use.
func (l *Link[T]) Stats() LinkStats {
	s := LinkStats{
		Received:  l.received.load(),
		Dropped:   l.dropped.Load(),
		Abandoned: l.abandoned.Load(),
		Queued:    len(l.ch),
		Capacity:  l.cfg.Capacity,
		Policy:    l.cfg.Policy,

		TapDropped: l.tapDropped.Load(),
	}
	// A frame a relay holds (a tap or a graceful stop, see startRelay) is
	// counted once it is queued: the counters agree again when it is.
	s.Sent = s.Received + uint64(s.Queued) + s.Abandoned
	if l.managed {
		s.Queued = int(l.queued.Load())
		s.Bytes = l.bytes.Load()
		s.Sent = l.taken.Load()
	}
	return s
}

// queue is the goroutine of a managed link: it takes frames from the writer
// into a ring of Capacity frames, applies the policy when the ring (or the
// byte bound) is full, and hands frames to the reader in order.
func (l *Link[T]) queue() {
	defer close(l.out)
	ring := make([]T, l.cfg.Capacity)
	var head, n int
	var bytes int64
	maxBytes := l.cfg.MaxBytes
	full := func(extra int64) bool {
		return n >= len(ring) || (maxBytes > 0 && n > 0 && bytes+extra > maxBytes)
	}
	pop := func() T {
		v := ring[head]
		var zero T
		ring[head] = zero
		head = (head + 1) % len(ring)
		n--
		bytes -= int64(l.ops.size(v))
		return v
	}
	in := l.ch
	for in != nil || n > 0 {
		var out chan T
		var first T
		if n > 0 {
			out, first = l.out, ring[head]
		}
		recv := in
		if l.cfg.Policy == Block && (n >= len(ring) || (maxBytes > 0 && bytes >= maxBytes)) {
			recv = nil // backpressure: the writer waits
		}
		select {
		case v, ok := <-recv:
			if !ok {
				in = nil
				break
			}
			l.taken.Add(1)
			size := int64(l.ops.size(v))
			if l.cfg.Policy == DropNewest && full(size) {
				l.ops.release(v)
				l.dropped.Add(1)
				break
			}
			for l.cfg.Policy == DropOldest && full(size) {
				l.ops.release(pop())
				l.dropped.Add(1)
			}
			ring[(head+n)%len(ring)] = v
			n++
			bytes += size
		case out <- first:
			pop()
		}
		l.queued.Store(int64(n))
		l.bytes.Store(bytes)
	}
}

// Out is the sending end of a link, handed to the stage that writes it.
type Out[T any] struct{ l *Link[T] }

// Send passes v, and the caller's reference to it, down the link; under the
// Block policy it waits while the link is full. It reports false when the
// reader has stopped or the run was cancelled: v is then released by the
// runner, and the stage should stop producing and return ctx.Err() (nil
// when the reader simply finished early). It also reports false, after
// delivering v, when a graceful stop (StopPoint) has reached v's End: the
// source then returns nil, ctx.Err() being nil. Send is safe for
// concurrent use.
func (o Out[T]) Send(v T) bool {
	l := o.l
	*l.w.Load() <- v
	return !l.stop.Load()
}

// In is the receiving end of a link, handed to the stage that reads it.
type In[T any] struct{ l *Link[T] }

// Recv returns the next frame and the caller's reference to it. It waits
// while the link is empty and reports false at the end of stream: when the
// writer has returned and the link is empty, or when the run was cancelled
// (the stage can tell the two apart with ctx.Err()). Frames left queued
// after a cancel are released by the runner. One goroutine reads a link:
// Recv is not for concurrent use.
func (in In[T]) Recv() (v T, ok bool) {
	l := in.l
	if !l.cancel.Load() {
		if v, ok = <-l.out; ok {
			l.received.inc()
		}
	}
	return v, ok
}

// All returns an iterator over the frames of the link, for
//
//	for v := range in.All() { ... }
//
// It ends as Recv does. Each frame yielded is owned by the loop body.
func (in In[T]) All() iter.Seq[T] {
	l := in.l
	return func(yield func(T) bool) {
		for !l.cancel.Load() {
			v, ok := <-l.out
			if !ok {
				return
			}
			l.received.inc()
			if !yield(v) {
				return
			}
		}
	}
}

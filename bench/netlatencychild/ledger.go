// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// warmUp is how long after the first frame received latencies are left
// out: a receiver's probe holds the frames of its first moments and then
// passes them at once. A backlog that lasts shows after it.
const warmUp = 2 * time.Second

// ledger records when each numbered frame was sent and when it came back.
type ledger struct {
	mu         sync.Mutex
	sentAt     []time.Time // by frame number
	seen       map[int]bool
	first      time.Time // when the first frame was received
	lat        []time.Duration
	received   int
	unreadable int
}

func newLedger() *ledger { return &ledger{seen: map[int]bool{}} }

// send records that frame n (the next) enters the encoder now.
func (l *ledger) send(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n == len(l.sentAt) {
		l.sentAt = append(l.sentAt, time.Now())
	}
}

// receive reads the number out of a decoded luma plane, received now, and
// records its latency; a repeated or unreadable frame is counted apart.
func (l *ledger) receive(y []byte, stride int) {
	now := time.Now()
	n, ok := readStamp(y, stride)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !ok || n >= len(l.sentAt) || l.seen[n] {
		l.unreadable++
		return
	}
	l.seen[n] = true
	l.received++
	if l.first.IsZero() {
		l.first = now
	}
	if now.Sub(l.first) >= warmUp {
		l.lat = append(l.lat, now.Sub(l.sentAt[n]))
	}
}

// String is the line the bench reads: frames sent, received, unreadable,
// the latencies measured, and their p50 and p99 in ms.
func (l *ledger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := slices.Clone(l.lat)
	slices.Sort(s)
	q := func(p float64) float64 {
		if len(s) == 0 {
			return 0
		}
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	return fmt.Sprintf("sent %d received %d unreadable %d measured %d p50 %.1f p99 %.1f",
		len(l.sentAt), l.received, l.unreadable, len(s), q(0.50), q(0.99))
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"time"

	"github.com/pion/rtp"

	"github.com/spinorml/streamer/frame"
)

// assembler puts a track's RTP packets back in sequence order and joins
// them into frames, handing each frame out as soon as its last packet is
// in (the marker bit for video; every Opus packet is a frame). pion's
// samplebuilder waits for the next frame's first packet instead, a frame
// of latency (33 ms at 30 fps). A gap is waited for while later packets
// keep arriving, up to maxHold packets or holdFor; then it is skipped and
// the frame it was in, or the next, is marked lost.
type assembler struct {
	format  frame.Format
	dep     rtp.Depacketizer
	started bool
	next    uint16                 // the sequence number expected next
	held    map[uint16]*rtp.Packet // arrived ahead of a gap
	since   time.Time              // when the oldest held packet arrived

	have     bool // a frame is being assembled
	cur      []byte
	curTS    uint32
	curLost  bool
	lostNext bool // a gap before the next frame's first packet
	out      []assembled
}

// assembled is one frame's payload, its RTP timestamp and whether packets
// of it (or before it) were lost.
type assembled struct {
	data []byte
	ts   uint32
	lost bool
}

const (
	maxHold = 512 // packets held behind a gap: a key frame at a few Mbit/s
	holdFor = 150 * time.Millisecond
)

func newAssembler(f frame.Format) *assembler {
	return &assembler{format: f, dep: depacketizer(f), held: map[uint16]*rtp.Packet{}}
}

// push takes a packet that arrived at now.
func (a *assembler) push(p *rtp.Packet, now time.Time) {
	if !a.started {
		a.started, a.next = true, p.SequenceNumber
	}
	switch d := int16(p.SequenceNumber - a.next); {
	case d < 0:
		return // a duplicate, or later than a gap already skipped
	case d > 0:
		if len(a.held) == 0 {
			a.since = now
		}
		a.held[p.SequenceNumber] = p
		if len(a.held) > maxHold {
			a.skip()
		}
		return
	}
	a.accept(p)
	a.drain()
}

// expire skips a gap that later packets have waited behind for holdFor.
func (a *assembler) expire(now time.Time) {
	if len(a.held) > 0 && now.Sub(a.since) >= holdFor {
		a.skip()
	}
}

// flush hands out what is held at the end of the track: the gaps are
// skipped, and a frame without its last packet goes out marked lost.
func (a *assembler) flush() {
	for len(a.held) > 0 {
		a.skip()
	}
	if a.have {
		a.curLost = true
		a.finish()
	}
}

// take returns the frames completed since the last take.
func (a *assembler) take() []assembled {
	out := a.out
	a.out = nil
	return out
}

// drain accepts the held packets that now follow in sequence.
func (a *assembler) drain() {
	for {
		p, ok := a.held[a.next]
		if !ok {
			return
		}
		delete(a.held, a.next)
		a.accept(p)
	}
}

// skip gives up on the packets before the earliest held one.
func (a *assembler) skip() {
	first, best := uint16(0), -1
	for seq := range a.held {
		if d := int(uint16(seq - a.next)); best < 0 || d < best {
			first, best = seq, d
		}
	}
	if best < 0 {
		return
	}
	a.next = first
	// A lost packet can be in the middle of a fragmented NAL unit: a new
	// depacketizer forgets the part it holds.
	a.dep = depacketizer(a.format)
	if a.have {
		a.curLost = true
	} else {
		a.lostNext = true
	}
	a.drain()
	if len(a.held) > 0 {
		a.since = time.Now()
	}
}

// accept adds the next packet in sequence to the frame being assembled.
func (a *assembler) accept(p *rtp.Packet) {
	a.next = p.SequenceNumber + 1
	if a.have && p.Timestamp != a.curTS {
		// A new frame before the last one's marker: it lost its end.
		a.curLost = true
		a.finish()
	}
	if len(p.Payload) == 0 {
		return // padding
	}
	if !a.have {
		if !a.dep.IsPartitionHead(p.Payload) {
			a.lostNext = true // the middle of a frame whose start was lost
			return
		}
		a.have, a.cur, a.curTS, a.curLost, a.lostNext = true, nil, p.Timestamp, a.lostNext, false
	}
	payload, err := a.dep.Unmarshal(p.Payload)
	if err != nil {
		a.curLost = true
	} else {
		a.cur = append(a.cur, payload...)
	}
	if p.Marker || a.format == frame.Opus {
		a.finish()
	}
}

func (a *assembler) finish() {
	if len(a.cur) > 0 {
		a.out = append(a.out, assembled{data: a.cur, ts: a.curTS, lost: a.curLost})
	}
	a.have, a.cur = false, nil
}

// opusDuration returns the length of an Opus packet from its TOC byte
// (RFC 6716 3.1), or 0 when it is malformed.
func opusDuration(p []byte) time.Duration {
	if len(p) == 0 {
		return 0
	}
	config := p[0] >> 3
	var frame time.Duration
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = [4]time.Duration{10, 20, 40, 60}[config%4] * time.Millisecond
	case config < 16: // hybrid: 10, 20 ms
		frame = [2]time.Duration{10, 20}[config%2] * time.Millisecond
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [4]time.Duration{2500, 5000, 10000, 20000}[config%4] * time.Microsecond
	}
	n := 1
	switch p[0] & 3 {
	case 1, 2:
		n = 2
	case 3:
		if len(p) < 2 {
			return 0
		}
		n = int(p[1] & 0x3f)
	}
	return time.Duration(n) * frame
}

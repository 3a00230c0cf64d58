// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/spinorml/streamer/frame"
)

// vp8Packets cuts a fake VP8 frame of n bytes into RTP packets of ts,
// sequence numbers from seq.
func vp8Packets(seq uint16, ts uint32, n int, fill byte) ([]*rtp.Packet, []byte) {
	data := bytes.Repeat([]byte{fill}, n)
	data[0] = 0x10 // a key frame's tag bits, any value does here
	pk := rtp.NewPacketizer(100, 96, 1, &codecs.VP8Payloader{}, rtp.NewFixedSequencer(seq), videoClock)
	ps := pk.Packetize(data, 0)
	for _, p := range ps {
		p.Timestamp = ts
	}
	return ps, data
}

func TestAssemblerReorderAndLoss(t *testing.T) {
	a, da := vp8Packets(100, 1000, 250, 1)
	b, db := vp8Packets(uint16(100+len(a)), 4000, 250, 2)
	if len(a) < 3 {
		t.Fatalf("%d packets: want a frame in several", len(a))
	}
	now := time.Now()

	// Reordered: A's last packet before its middle one.
	asm := newAssembler(frame.VP8)
	for _, p := range append([]*rtp.Packet{a[0], a[2], a[1]}, append(a[3:], b...)...) {
		asm.push(p, now)
	}
	got := asm.take()
	if len(got) != 2 || !bytes.Equal(got[0].data, da) || !bytes.Equal(got[1].data, db) || got[0].lost || got[1].lost {
		t.Fatalf("reordered: %d frames %+v", len(got), got)
	}

	// A packet of A lost: A goes out marked lost once the gap is given
	// up on, and B whole.
	asm = newAssembler(frame.VP8)
	for _, p := range append(append([]*rtp.Packet{a[0]}, a[2:]...), b...) {
		asm.push(p, now)
	}
	if got := asm.take(); len(got) != 0 {
		t.Fatalf("%d frames out while a gap is waited for", len(got))
	}
	asm.expire(now.Add(holdFor))
	got = asm.take()
	if len(got) != 2 || !got[0].lost || got[1].lost || !bytes.Equal(got[1].data, db) {
		t.Fatalf("lost packet: %+v", got)
	}

	// The end of the track gives out a frame that lacks its last packet.
	asm = newAssembler(frame.VP8)
	for _, p := range b[:len(b)-1] {
		asm.push(p, now)
	}
	asm.flush()
	if got := asm.take(); len(got) != 1 || !got[0].lost {
		t.Fatalf("flush: %+v", got)
	}
}

func TestOpusDuration(t *testing.T) {
	for _, c := range []struct {
		toc  []byte
		want time.Duration
	}{{[]byte{0xfc}, 20 * time.Millisecond}, {[]byte{0x78}, 20 * time.Millisecond}, {[]byte{0xfd}, 40 * time.Millisecond},
		{[]byte{0x0b, 0x03}, 60 * time.Millisecond}, {nil, 0}} {
		if got := opusDuration(c.toc); got != c.want {
			t.Errorf("opusDuration(%x) = %v, want %v", c.toc, got, c.want)
		}
	}
}

// FuzzAssembler feeds packets made of the input (sequence number steps,
// markers, payloads) to the H.264 assembler: whatever arrives, it must
// not panic, and what it hands out must be frames it was given.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{1, 0x80, 5, 0x7c, 0x85, 1, 2, 1, 0x80, 4, 0x7c, 0x45, 3, 4})
	f.Add([]byte{3, 0, 3, 0x18, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		asm := newAssembler(frame.H264)
		now := time.Now()
		seq := uint16(0)
		for len(b) >= 3 {
			step, flags, n := b[0], b[1], int(b[2])
			b = b[3:]
			n = min(n, len(b))
			seq += uint16(step)
			asm.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(flags & 0x0f), Marker: flags&0x80 != 0},
				Payload: b[:n]}, now)
			b = b[n:]
			if flags&0x40 != 0 {
				now = now.Add(holdFor)
				asm.expire(now)
			}
			asm.take()
		}
		asm.flush()
		asm.take()
	})
}

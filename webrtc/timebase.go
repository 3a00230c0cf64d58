// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"time"

	"github.com/pion/rtcp"

	"github.com/spinorml/streamer/frame"
)

// recvTrack is the receive loop's state for one track.
type recvTrack struct {
	video   bool
	format  frame.Format
	clock   int64
	ssrc    uint32
	asm     *assembler
	prevExt int64 // RTP time of the last frame held, for video durations
	held    bool
	started bool
	ended   bool
	byeAt   time.Time
	// Unwrapped RTP time: ext of the last packet and its 32-bit stamp.
	lastTS uint32
	ext    int64
	// The mapping of RTP time to wall-clock time, once known: refExt at
	// refWall. fromSR says whether the sender's report gave it.
	mapped  bool
	refExt  int64
	refWall time.Time
	sr      *rtcp.SenderReport // the first report, until mapped
	arrival time.Time          // of the first packet
	firstTS uint32
	pending []pendingSample
	// Frame building.
	codec    *frame.Codec
	needKey  bool
	lastDur  time.Duration
	lastPLI  time.Time
	width    int
	height   int
	lastSent time.Duration
}

type pendingSample struct {
	data []byte
	ext  int64
	dur  time.Duration
	lost bool
}

// unwrap returns ts as a 64-bit RTP time continuing the track's last.
func (t *recvTrack) unwrap(ts uint32) int64 {
	if !t.started {
		t.started, t.lastTS, t.ext, t.firstTS = true, ts, int64(ts), ts
		return t.ext
	}
	return t.ext + int64(int32(ts-t.lastTS))
}

func (t *recvTrack) wall(ext int64) time.Time {
	return t.refWall.Add(time.Duration((ext - t.refExt) * int64(time.Second) / t.clock))
}

// timeBase is a run's mapping of every track to one PTS 0: the wall-clock
// time base that the earliest first frame has.
type timeBase struct {
	based   bool
	base    time.Time
	firstAt time.Time // arrival of the run's first packet
	useSR   bool      // the tracks are aligned by sender reports
}

// settle fixes the time base once every track's mapping is known, or
// SyncWait after the first packet, then emits what each track holds.
func (r *receiver) settle(now time.Time) {
	if !r.based && !r.fixBase(now) {
		return
	}
	for _, t := range r.tracks {
		if !t.mapped {
			// A track that started after the base was fixed.
			if r.useSR && t.sr == nil && now.Sub(t.arrival) < r.p.opts.syncWait() {
				continue
			}
			r.p.mapTrack(t, r.useSR && t.sr != nil)
		}
		r.emitPending(t)
	}
}

// fixBase maps every track, by sender reports when each has one and its
// first frame (or SyncWait has passed since the first packet), and takes
// the earliest first frame as the base. It reports whether there is one.
func (r *receiver) fixBase(now time.Time) bool {
	if r.firstAt.IsZero() {
		return false
	}
	// Every track's report, and its first frame: the base is the earliest
	// first frame, and a track's report can come in before its first
	// packet is read.
	allSR, allFrames := len(r.tracks) == r.want, len(r.tracks) == r.want
	for _, t := range r.tracks {
		allSR = allSR && t.sr != nil
		allFrames = allFrames && len(t.pending) > 0
	}
	if !(allSR && allFrames) && now.Sub(r.firstAt) < r.p.opts.syncWait() {
		return false
	}
	r.useSR = allSR
	if r.useSR {
		r.p.aligned.Store(AlignedBySenderReports)
	} else {
		r.p.aligned.Store(AlignedByArrival)
	}
	for _, t := range r.tracks {
		r.p.mapTrack(t, r.useSR)
	}
	for _, t := range r.tracks {
		if t.mapped && len(t.pending) > 0 {
			if w := t.wall(t.pending[0].ext); !r.based || w.Before(r.base) {
				r.base, r.based = w, true
			}
		}
	}
	return r.based
}

// emitPending emits the frames t holds, PTS from the time base.
func (r *receiver) emitPending(t *recvTrack) {
	for _, s := range t.pending {
		r.p.emit(t, s, t.wall(s.ext).Sub(r.base), r.vq, r.aq)
	}
	t.pending = t.pending[:0]
}

// finish sends what every track still holds once all have ended, on the
// mapping there is.
func (r *receiver) finish() {
	if !r.based {
		r.firstAt = time.Now().Add(-r.p.opts.syncWait())
	}
	r.settle(time.Now())
	for _, t := range r.tracks {
		if !t.mapped {
			r.p.mapTrack(t, false)
		}
		r.emitPending(t)
	}
}

// mapTrack fixes t's mapping of RTP time to wall-clock time: the sender's
// first report when useSR, else the arrival of the first packet.
func (p *recvPeer) mapTrack(t *recvTrack, useSR bool) {
	if t.mapped || !t.started {
		return
	}
	t.mapped = true
	if useSR && t.sr != nil {
		t.refExt = t.ext + int64(int32(t.sr.RTPTime-t.lastTS))
		t.refWall = fromNTP(t.sr.NTPTime)
		return
	}
	t.refExt = t.ext + int64(int32(t.firstTS-t.lastTS))
	t.refWall = t.arrival
}

// pop moves the frames t's assembler has completed to t.pending.
func (p *recvPeer) pop(t *recvTrack) {
	for _, f := range t.asm.take() {
		ext := t.ext + int64(int32(f.ts-t.lastTS))
		var dur time.Duration
		if t.video {
			// The frame's own length is known only when the next comes:
			// the last interval stands in for it.
			if t.held && ext > t.prevExt {
				dur = time.Duration((ext - t.prevExt) * int64(time.Second) / t.clock)
			}
			t.prevExt, t.held = ext, true
		} else {
			dur = opusDuration(f.data)
		}
		t.pending = append(t.pending, pendingSample{data: f.data, ext: ext, dur: dur, lost: f.lost})
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// recvPeer is the receiving side of one peer connection: it turns the
// RTP of its tracks into frames with PTS, shared by Client (WHEP) and
// Ingest (WHIP).
type recvPeer struct {
	opts    Options
	pc      *pion.PeerConnection
	streams media.Streams
	tracks  chan remoteTrack // from OnTrack
	failed  chan struct{}    // closed when the connection fails
	once    sync.Once
	aligned atomic.Value // string: how the tracks were aligned
}

type remoteTrack struct {
	track    *pion.TrackRemote
	receiver *pion.RTPReceiver
}

func newRecvPeer(api *pion.API, o Options) (*recvPeer, error) {
	pc, err := api.NewPeerConnection(o.config())
	if err != nil {
		return nil, err
	}
	p := &recvPeer{opts: o, pc: pc, tracks: make(chan remoteTrack, 4), failed: make(chan struct{})}
	pc.OnTrack(func(t *pion.TrackRemote, r *pion.RTPReceiver) {
		select {
		case p.tracks <- remoteTrack{t, r}:
		default: // more tracks than a stream of video and audio: ignored
		}
	})
	pc.OnConnectionStateChange(func(s pion.PeerConnectionState) {
		if s == pion.PeerConnectionStateFailed {
			p.once.Do(func() { close(p.failed) })
		}
	})
	return p, nil
}

// How a receiving peer aligned its tracks (see Client.AlignedBy).
const (
	AlignedBySenderReports = "RTCP sender reports"
	AlignedByArrival       = "first-packet arrival"
)

// alignedBy returns how the tracks were aligned, or "" before the first
// frames.
func (p *recvPeer) alignedBy() string {
	s, _ := p.aligned.Load().(string)
	return s
}

// event is what the reader goroutines tell the receive loop.
type event struct {
	kind    int // evPacket, evReport, evEnd
	video   bool
	pkt     *rtp.Packet
	arrival time.Time
	sr      *rtcp.SenderReport
}

const (
	evPacket = iota
	evReport
	evBye // the sender's RTCP BYE: the end, once packets in flight are in
	evEnd
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

// run receives until every track ends (nil), the connection fails or
// stalls (an error), or ctx ends (its error). It sends frames on video
// and audio, and closes the peer connection before returning.
func (p *recvPeer) run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	events := make(chan event, 256)
	var readers sync.WaitGroup
	// Frames go out through a goroutine per kind, so that a muxer waiting
	// for one kind never blocks the other's reading.
	vq, aq := make(chan frame.Video, 64), make(chan frame.Audio, 256)
	var senders sync.WaitGroup
	// A refused Send is a graceful stop reaching the stream's end (or the
	// reader finishing early): once every kind has one, the run ends.
	refused := make(chan struct{}, 2)
	if p.streams.Video != 0 {
		senders.Go(func() { forward(vq, video, refused) })
	}
	if p.streams.Audio != 0 {
		senders.Go(func() { forward(aq, audio, refused) })
	}
	stopped := 0
	defer func() {
		cancel()
		_ = p.pc.Close()
		readers.Wait()
		close(vq)
		close(aq)
		senders.Wait()
	}()

	tracks := map[bool]*recvTrack{}
	want := 0
	if p.streams.Video != 0 {
		want++
	}
	if p.streams.Audio != 0 {
		want++
	}
	timeout := p.opts.timeout()
	stall := time.NewTimer(timeout)
	defer stall.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var (
		based    bool
		base     time.Time
		firstAt  time.Time
		useSR    bool
		lastData = time.Now()
	)
	ended := 0

	// settle fixes the time base once every track's mapping is known, or
	// SyncWait after the first packet, then emits what each track holds.
	settle := func(now time.Time) {
		if !based {
			if firstAt.IsZero() {
				return
			}
			// Every track's report, and its first frame: the base is the
			// earliest first frame, and a track's report can come in
			// before its first packet is read.
			allSR, allFrames := len(tracks) == want, len(tracks) == want
			for _, t := range tracks {
				allSR = allSR && t.sr != nil
				allFrames = allFrames && len(t.pending) > 0
			}
			if !(allSR && allFrames) && now.Sub(firstAt) < p.opts.syncWait() {
				return
			}
			useSR = allSR
			if useSR {
				p.aligned.Store(AlignedBySenderReports)
			} else {
				p.aligned.Store(AlignedByArrival)
			}
			for _, t := range tracks {
				p.mapTrack(t, useSR)
			}
			for _, t := range tracks {
				if t.mapped && len(t.pending) > 0 {
					if w := t.wall(t.pending[0].ext); !based || w.Before(base) {
						base, based = w, true
					}
				}
			}
			if !based {
				return
			}
		}
		for _, t := range tracks {
			if !t.mapped {
				// A track that started after the base was fixed.
				if useSR && t.sr == nil && now.Sub(t.arrival) < p.opts.syncWait() {
					continue
				}
				p.mapTrack(t, useSR && t.sr != nil)
			}
			for _, s := range t.pending {
				p.emit(t, s, t.wall(s.ext).Sub(base), vq, aq)
			}
			t.pending = t.pending[:0]
		}
	}

	done := func() bool { return ended == want && len(tracks) == want }
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-refused:
			if stopped++; stopped == want {
				return ctx.Err()
			}
			continue
		case <-p.failed:
			return errors.New("the connection failed (ICE or DTLS)")
		case <-stall.C:
			// Wrapping media.ErrTimeout too: a stall as package media
			// reports it for every backend.
			if len(tracks) == 0 {
				return fmt.Errorf("%w: no track within %v (%w)", ErrStalled, timeout, media.ErrTimeout)
			}
			return fmt.Errorf("%w for %v (%w)", ErrStalled, timeout, media.ErrTimeout)
		case rt := <-p.tracks:
			f := formatOfMime(rt.track.Codec().MimeType)
			isVideo := rt.track.Kind() == pion.RTPCodecTypeVideo
			if tracks[isVideo] != nil || (isVideo && p.streams.Video == 0) || (!isVideo && p.streams.Audio == 0) {
				continue // not a stream this peer takes: left unread
			}
			if want := p.streams.Video; !isVideo && f != p.streams.Audio || isVideo && f != want {
				return fmt.Errorf("the server sends %s, not the codec its answer listed first", rt.track.Codec().MimeType)
			}
			t := &recvTrack{video: isVideo, format: f, clock: int64(rt.track.Codec().ClockRate), ssrc: uint32(rt.track.SSRC()), needKey: isVideo}
			t.asm = newAssembler(f)
			tracks[isVideo] = t
			readers.Go(func() { readRTP(ctx, rt.track, isVideo, events) })
			readers.Go(func() { readRTCP(ctx, rt.receiver, isVideo, events) })
			if isVideo {
				p.requestKeyframe(t, time.Now())
			}
		case ev := <-events:
			t := tracks[ev.video]
			switch ev.kind {
			case evPacket:
				lastData = ev.arrival
				if firstAt.IsZero() {
					firstAt = ev.arrival
				}
				if !t.started {
					t.arrival = ev.arrival
				}
				ext := t.unwrap(ev.pkt.Timestamp)
				if ext > t.ext || !t.started {
					t.ext, t.lastTS = ext, ev.pkt.Timestamp
				}
				t.asm.push(ev.pkt, ev.arrival)
				p.pop(t)
			case evReport:
				if t.sr == nil {
					t.sr = ev.sr
				}
			case evBye:
				if t.byeAt.IsZero() {
					t.byeAt = time.Now()
				}
			case evEnd:
				if !t.ended {
					t.ended = true
					ended++
					t.asm.flush()
					p.pop(t)
				}
			}
			settle(time.Now())
		case now := <-tick.C:
			for _, t := range tracks {
				t.asm.expire(now)
				p.pop(t)
			}
			settle(now)
			if now.Sub(lastData) < timeout {
				stall.Reset(timeout - now.Sub(lastData))
			}
			for _, t := range tracks {
				if t.needKey {
					p.requestKeyframe(t, now)
				}
				if !t.ended && !t.byeAt.IsZero() && now.Sub(t.byeAt) >= byeGrace {
					t.ended = true
					ended++
					t.asm.flush()
					p.pop(t)
				}
			}
		}
		if done() {
			// Every track has ended: what is still held goes out on the
			// mapping there is.
			if !based {
				firstAt = time.Now().Add(-p.opts.syncWait())
			}
			settle(time.Now())
			for _, t := range tracks {
				if !t.mapped {
					p.mapTrack(t, false)
				}
				for _, s := range t.pending {
					p.emit(t, s, t.wall(s.ext).Sub(base), vq, aq)
				}
			}
			return nil
		}
	}
}

// byeGrace is how long a track outlives its sender's BYE, for packets
// still in flight (they arrive on another goroutine).
const byeGrace = 200 * time.Millisecond

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

// emit turns one sample into a frame and queues it: video waits for a
// key frame (asking the sender for one), and frames before the time
// base are dropped.
func (p *recvPeer) emit(t *recvTrack, s pendingSample, pts time.Duration, vq chan<- frame.Video, aq chan<- frame.Audio) {
	dur := s.dur
	if dur <= 0 {
		dur = t.lastDur
	}
	t.lastDur = dur
	if len(s.data) == 0 {
		return
	}
	if !t.video {
		if pts < 0 {
			return
		}
		if t.codec == nil {
			t.codec = &frame.Codec{Format: frame.Opus, SampleRate: opusClock, Channels: 2, TimeBase: frame.Rational{Num: 1, Den: opusClock},
				Extradata: opusHead(2)}
		}
		aq <- frame.Audio{Data: frame.NewBytes(s.data), Format: frame.Opus, Rate: opusClock, Channels: 2,
			Samples: int(int64(dur) * opusClock / int64(time.Second)), Codec: t.codec, PTS: pts, DTS: pts, Duration: dur, Keyframe: true}
		return
	}
	if s.lost {
		// Lost packets: the decoder conceals, and a key frame is asked
		// for to end the damage.
		p.requestKeyframe(t, time.Now())
	}
	// A header that does not parse leaves the frame as it is, and the
	// stream without a size until one does.
	key, w, h := false, 0, 0
	switch t.format {
	case frame.H264:
		in := inspectH264(s.data)
		key = in.idr
		if in.sps != nil && in.pps != nil {
			if sps, err := parseSPS(in.sps); err == nil {
				w, h = sps.width, sps.height
				if t.codec == nil || w != t.width || h != t.height {
					extra := append(append(append(append([]byte{}, startCode...), in.sps...), startCode...), in.pps...)
					t.codec = &frame.Codec{Format: frame.H264, Width: w, Height: h, Level: sps.level, Profile: h264Profile(sps.profile),
						TimeBase: frame.Rational{Num: 1, Den: videoClock}, Extradata: extra}
				}
			}
		}
	case frame.VP8:
		key, w, h = vp8KeyframeSize(s.data)
	case frame.VP9:
		key, w, h, _ = vp9KeyframeSize(s.data)
	}
	if key && w > 0 && t.format != frame.H264 && (t.codec == nil || w != t.width || h != t.height) {
		t.codec = &frame.Codec{Format: t.format, Width: w, Height: h, TimeBase: frame.Rational{Num: 1, Den: videoClock}}
	}
	if key && t.codec != nil {
		t.width, t.height = t.codec.Width, t.codec.Height
		t.needKey = false
	}
	if t.needKey || pts < 0 || (t.lastSent > 0 && pts <= t.lastSent) {
		if pts < 0 {
			t.needKey = true
		}
		return
	}
	t.lastSent = pts
	vq <- frame.Video{Data: frame.NewBytes(s.data), Format: t.format, Width: t.width, Height: t.height, Codec: t.codec,
		PTS: pts, DTS: pts, Duration: dur, Keyframe: key}
}

// requestKeyframe sends a picture loss indication, at most every 500 ms.
func (p *recvPeer) requestKeyframe(t *recvTrack, now time.Time) {
	if now.Sub(t.lastPLI) < 500*time.Millisecond {
		return
	}
	t.lastPLI = now
	_ = p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: t.ssrc}})
}

func h264Profile(idc int) string {
	switch idc {
	case 66:
		return "baseline"
	case 77:
		return "main"
	case 100:
		return "high"
	}
	return ""
}

// forward sends the frames of q on out until q closes; once out refuses
// one, it says so on refused and releases the rest.
func forward[T interface{ Release() }](q <-chan T, out stage.Out[T], refused chan<- struct{}) {
	ok := true
	for f := range q {
		if !ok {
			f.Release()
			continue
		}
		if ok = out.Send(f); !ok {
			refused <- struct{}{}
		}
	}
}

// readRTP reads a track's packets into events until it ends: any read
// error is the end, as the remote closing the connection gives one.
func readRTP(ctx context.Context, t *pion.TrackRemote, video bool, events chan<- event) {
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			select {
			case events <- event{kind: evEnd, video: video}:
			case <-ctx.Done():
			}
			return
		}
		select {
		case events <- event{kind: evPacket, video: video, pkt: pkt, arrival: time.Now()}:
		case <-ctx.Done():
			return
		}
	}
}

// readRTCP reads a track's RTCP: sender reports, and BYE as its end.
func readRTCP(ctx context.Context, r *pion.RTPReceiver, video bool, events chan<- event) {
	for {
		pkts, _, err := r.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			var ev event
			switch x := pkt.(type) {
			case *rtcp.SenderReport:
				ev = event{kind: evReport, video: video, sr: x}
			case *rtcp.Goodbye:
				ev = event{kind: evBye, video: video}
			default:
				continue
			}
			select {
			case events <- ev:
			case <-ctx.Done():
				return
			}
		}
	}
}

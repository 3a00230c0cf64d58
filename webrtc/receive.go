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

// receiver is the state of one run of a recvPeer's receive loop.
type receiver struct {
	p        *recvPeer
	ctx      context.Context
	events   chan event
	readers  sync.WaitGroup
	vq       chan frame.Video
	aq       chan frame.Audio
	tracks   map[bool]*recvTrack // by video
	want     int                 // tracks expected: one a stream taken
	ended    int                 // tracks ended
	stopped  int                 // outputs that refused a frame
	timeout  time.Duration
	lastData time.Time // arrival of the last packet, for the stall timer
	timeBase
}

// run receives until every track ends (nil), the connection fails or
// stalls (an error), or ctx ends (its error). It sends frames on video
// and audio, and closes the peer connection before returning.
func (p *recvPeer) run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	ctx, cancel := context.WithCancel(ctx)
	r := &receiver{
		p: p, ctx: ctx, events: make(chan event, 256), tracks: map[bool]*recvTrack{},
		// Frames go out through a goroutine per kind, so that a muxer
		// waiting for one kind never blocks the other's reading.
		vq: make(chan frame.Video, 64), aq: make(chan frame.Audio, 256),
		timeout: p.opts.timeout(), lastData: time.Now(),
	}
	var senders sync.WaitGroup
	// A refused Send is a graceful stop reaching the stream's end (or the
	// reader finishing early): once every kind has one, the run ends.
	refused := make(chan struct{}, 2)
	if p.streams.Video != 0 {
		r.want++
		senders.Go(func() { forward(r.vq, video, refused) })
	}
	if p.streams.Audio != 0 {
		r.want++
		senders.Go(func() { forward(r.aq, audio, refused) })
	}
	defer func() {
		cancel()
		_ = p.pc.Close()
		r.readers.Wait()
		close(r.vq)
		close(r.aq)
		senders.Wait()
	}()
	return r.loop(refused)
}

// loop takes the tracks, packets, reports and ticks of a run in turn
// until it ends.
func (r *receiver) loop(refused <-chan struct{}) error {
	stall := time.NewTimer(r.timeout)
	defer stall.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case <-refused:
			if r.stopped++; r.stopped == r.want {
				return r.ctx.Err()
			}
			continue
		case <-r.p.failed:
			return errors.New("the connection failed (ICE or DTLS)")
		case <-stall.C:
			// Wrapping media.ErrTimeout too: a stall as package media
			// reports it for every backend.
			if len(r.tracks) == 0 {
				return fmt.Errorf("%w: no track within %v (%w)", ErrStalled, r.timeout, media.ErrTimeout)
			}
			return fmt.Errorf("%w for %v (%w)", ErrStalled, r.timeout, media.ErrTimeout)
		case rt := <-r.p.tracks:
			if err := r.addTrack(rt); err != nil {
				return err
			}
		case ev := <-r.events:
			r.handle(ev)
			r.settle(time.Now())
		case now := <-tick.C:
			r.tick(now, stall)
		}
		if r.ended == r.want && len(r.tracks) == r.want {
			r.finish()
			return nil
		}
	}
}

// addTrack starts reading a track the remote opened, unless it is not a
// stream the peer takes (then it is left unread). A track of a codec
// other than the one negotiated is an error.
func (r *receiver) addTrack(rt remoteTrack) error {
	p := r.p
	f := formatOfMime(rt.track.Codec().MimeType)
	isVideo := rt.track.Kind() == pion.RTPCodecTypeVideo
	if r.tracks[isVideo] != nil || (isVideo && p.streams.Video == 0) || (!isVideo && p.streams.Audio == 0) {
		return nil
	}
	if !isVideo && f != p.streams.Audio || isVideo && f != p.streams.Video {
		return fmt.Errorf("the server sends %s, not the codec its answer listed first", rt.track.Codec().MimeType)
	}
	t := &recvTrack{video: isVideo, format: f, clock: int64(rt.track.Codec().ClockRate), ssrc: uint32(rt.track.SSRC()), needKey: isVideo}
	t.asm = newAssembler(f)
	r.tracks[isVideo] = t
	r.readers.Go(func() { readRTP(r.ctx, rt.track, isVideo, r.events) })
	r.readers.Go(func() { readRTCP(r.ctx, rt.receiver, isVideo, r.events) })
	if isVideo {
		p.requestKeyframe(t, time.Now())
	}
	return nil
}

// handle takes one event of a track's readers.
func (r *receiver) handle(ev event) {
	t := r.tracks[ev.video]
	switch ev.kind {
	case evPacket:
		r.lastData = ev.arrival
		if r.firstAt.IsZero() {
			r.firstAt = ev.arrival
		}
		if !t.started {
			t.arrival = ev.arrival
		}
		ext := t.unwrap(ev.pkt.Timestamp)
		if ext > t.ext || !t.started {
			t.ext, t.lastTS = ext, ev.pkt.Timestamp
		}
		t.asm.push(ev.pkt, ev.arrival)
		r.p.pop(t)
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
			r.end(t)
		}
	}
}

// tick gives up on gaps that waited too long, keeps the stall timer
// counting from the last packet, asks again for a key frame still
// missing, and ends tracks byeGrace after their BYE.
func (r *receiver) tick(now time.Time, stall *time.Timer) {
	for _, t := range r.tracks {
		t.asm.expire(now)
		r.p.pop(t)
	}
	r.settle(now)
	if now.Sub(r.lastData) < r.timeout {
		stall.Reset(r.timeout - now.Sub(r.lastData))
	}
	for _, t := range r.tracks {
		if t.needKey {
			r.p.requestKeyframe(t, now)
		}
		if !t.ended && !t.byeAt.IsZero() && now.Sub(t.byeAt) >= byeGrace {
			r.end(t)
		}
	}
}

// byeGrace is how long a track outlives its sender's BYE, for packets
// still in flight (they arrive on another goroutine).
const byeGrace = 200 * time.Millisecond

// end ends t: what its assembler holds becomes frames.
func (r *receiver) end(t *recvTrack) {
	t.ended = true
	r.ended++
	t.asm.flush()
	r.p.pop(t)
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

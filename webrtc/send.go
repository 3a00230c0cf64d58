// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/spinorml/streamer/frame"
)

// mtu is the RTP packet size pion's payloaders cut frames to: it leaves
// room for SRTP, UDP, IP and a TURN relay within 1280 bytes.
const mtu = 1200

// srInterval is how often a sending peer sends RTCP sender reports.
const srInterval = time.Second

// sample is an encoded frame ready for RTP: Annex B with parameter sets
// for H.264, as it is for the other codecs.
type sample struct {
	data []byte
	pts  time.Duration
	dur  time.Duration // audio: for a viewer joining mid-frame
	key  bool
}

// preparer turns the frames of one stream into samples.
type preparer struct {
	format frame.Format
	h264   *h264Writer
	codec  *frame.Codec // the description h264 was built from
}

// prepare copies v's bytes into a sample: RTP needs them after v is
// released, and H.264 is rewritten anyway. It refuses reordered frames,
// which WebRTC cannot carry.
func (p *preparer) prepare(ctx context.Context, d frame.Data, f frame.Format, c *frame.Codec, pts, dts time.Duration, key bool) (sample, error) {
	if f != p.format {
		return sample{}, fmt.Errorf("a %v frame on a %v track", f, p.format)
	}
	if dts != pts && dts != 0 {
		return sample{}, fmt.Errorf("%v frame with DTS %v before PTS %v: WebRTC carries no reordered (B-) frames; encode with LowLatency", f, dts, pts)
	}
	b, err := frame.Bytes(ctx, d)
	if err != nil {
		return sample{}, err
	}
	if f != frame.H264 {
		frame.CountCopy(len(b))
		return sample{data: append([]byte(nil), b...), pts: pts, key: key}, nil
	}
	if p.h264 == nil || c != p.codec {
		var extra []byte
		if c != nil {
			extra = c.Extradata
		}
		w, err := newH264Writer(extra)
		if err != nil {
			return sample{}, err
		}
		if p.h264 != nil && w.lengthSize == 0 && len(w.sps) == 0 {
			w.sps, w.pps = p.h264.sps, p.h264.pps
		}
		p.h264, p.codec = w, c
	}
	au, idr, err := p.h264.accessUnit(b)
	if err != nil {
		return sample{}, err
	}
	frame.CountCopy(len(au))
	return sample{data: au, pts: pts, key: key || idr}, nil
}

// video prepares a video frame.
func (p *preparer) video(ctx context.Context, v frame.Video) (sample, error) {
	return p.prepare(ctx, v.Data, v.Format, v.Codec, v.PTS, v.DTS, v.Keyframe)
}

// audio prepares an audio frame, every one a key frame; the sample keeps
// its duration for a viewer joining while it plays.
func (p *preparer) audio(ctx context.Context, a frame.Audio) (sample, error) {
	s, err := p.prepare(ctx, a.Data, a.Format, a.Codec, a.PTS, a.DTS, true)
	s.dur = a.Duration
	return s, err
}

// trackSender writes the samples of one stream to one peer's track, RTP
// timestamps following PTS, and makes the sender reports that map them
// to wall-clock time.
type trackSender struct {
	format  frame.Format
	clock   int64
	track   *pion.TrackLocalStaticRTP
	sender  *pion.RTPSender
	pk      rtp.Packetizer
	base    uint32 // the RTP timestamp of PTS 0
	packets uint32
	octets  uint32
	lastPTS time.Duration
	lastSR  time.Time
	started bool
}

func newTrackSender(f frame.Format, streamID string) (*trackSender, error) {
	c, err := capability(f)
	if err != nil {
		return nil, err
	}
	kind := "video"
	if f.IsAudio() {
		kind = "audio"
	}
	track, err := pion.NewTrackLocalStaticRTP(c, kind, streamID)
	if err != nil {
		return nil, err
	}
	return &trackSender{
		format: f, clock: int64(c.ClockRate), track: track,
		pk:   rtp.NewPacketizer(mtu, 0, 0, payloader(f), rtp.NewRandomSequencer(), c.ClockRate),
		base: rand.Uint32(),
	}, nil
}

func (t *trackSender) rtpTime(pts time.Duration) uint32 {
	return t.base + uint32(int64(pts)*t.clock/int64(time.Second))
}

// write sends s; the peer's sender report for the track goes first at the
// track's first sample and then every srInterval.
func (t *trackSender) write(pc *pion.PeerConnection, wall0 time.Time, s sample) error {
	t.lastPTS = s.pts
	if now := time.Now(); !t.started || now.Sub(t.lastSR) >= srInterval {
		t.started, t.lastSR = true, now
		if sr := t.report(wall0); sr != nil {
			if err := pc.WriteRTCP([]rtcp.Packet{sr}); err != nil {
				return err
			}
		}
	}
	ts := t.rtpTime(s.pts)
	for _, p := range t.pk.Packetize(s.data, 0) {
		p.Timestamp = ts
		if err := t.track.WriteRTP(p); err != nil {
			return err
		}
		t.packets++
		t.octets += uint32(len(p.Payload))
	}
	return nil
}

// ssrc returns the SSRC the track is sent with, or 0 before negotiation.
func (t *trackSender) ssrc() uint32 {
	if t.sender == nil {
		return 0
	}
	if enc := t.sender.GetParameters().Encodings; len(enc) > 0 {
		return uint32(enc[0].SSRC)
	}
	return 0
}

// report returns a sender report (RFC 3550 6.4.1) pairing the RTP time
// of the last PTS sent with wall0 + PTS, so that a receiver aligns the
// tracks as their PTS were.
func (t *trackSender) report(wall0 time.Time) *rtcp.SenderReport {
	ssrc := t.ssrc()
	if ssrc == 0 {
		return nil
	}
	return &rtcp.SenderReport{SSRC: ssrc, NTPTime: ntpTime(wall0.Add(t.lastPTS)), RTPTime: t.rtpTime(t.lastPTS),
		PacketCount: t.packets, OctetCount: t.octets}
}

// bye returns the RTCP BYE that ends the track for the receiver.
func (t *trackSender) bye() rtcp.Packet {
	return &rtcp.Goodbye{Sources: []uint32{t.ssrc()}, Reason: "end of stream"}
}

// ntpEpoch is where NTP time starts, 1900-01-01, in Unix seconds.
const ntpEpoch = -2208988800

// ntpTime returns t as a 64-bit NTP timestamp: seconds and a binary
// fraction since 1900, the seconds wrapping in 2036 as NTP's do.
func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix() - ntpEpoch)
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// fromNTP is the inverse of ntpTime, in NTP era 0 (1900 to 2036).
func fromNTP(n uint64) time.Time {
	frac := (n & 0xffffffff) * uint64(time.Second) >> 32
	return time.Unix(int64(n>>32)+ntpEpoch, int64(frac)).UTC()
}

// sendPeer is the sending side of one peer connection: a track per
// stream, and a goroutine per track reading its RTCP so that pion's
// interceptors answer NACKs.
type sendPeer struct {
	pc           *pion.PeerConnection
	video, audio *trackSender
	wg           sync.WaitGroup
	connected    chan struct{} // closed once ICE and DTLS are up
	failed       chan struct{} // closed when the connection fails or closes
	once         sync.Once
}

// newSendPeer makes a peer connection sending a track of each format
// given (0 for none). offerer adds send-only transceivers for its own
// offer; an answerer's tracks take the offer's transceivers instead.
func newSendPeer(api *pion.API, o Options, video, audio frame.Format, offerer bool) (*sendPeer, error) {
	pc, err := api.NewPeerConnection(o.config())
	if err != nil {
		return nil, err
	}
	p := &sendPeer{pc: pc, connected: make(chan struct{}), failed: make(chan struct{})}
	var fail sync.Once
	pc.OnConnectionStateChange(func(s pion.PeerConnectionState) {
		switch s {
		case pion.PeerConnectionStateConnected:
			p.once.Do(func() { close(p.connected) })
		case pion.PeerConnectionStateFailed, pion.PeerConnectionStateClosed:
			fail.Do(func() { close(p.failed) })
		}
	})
	streamID := fmt.Sprintf("streamer-%08x", rand.Uint32())
	for _, f := range []frame.Format{video, audio} {
		if f == 0 {
			continue
		}
		t, err := newTrackSender(f, streamID)
		if err != nil {
			_ = pc.Close()
			return nil, err
		}
		if offerer {
			tr, err := pc.AddTransceiverFromTrack(t.track, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly})
			if err != nil {
				_ = pc.Close()
				return nil, err
			}
			t.sender = tr.Sender()
		} else if t.sender, err = pc.AddTrack(t.track); err != nil {
			_ = pc.Close()
			return nil, err
		}
		if f.IsVideo() {
			p.video = t
		} else {
			p.audio = t
		}
		p.wg.Go(func() {
			for {
				if _, _, err := t.sender.ReadRTCP(); err != nil {
					return
				}
			}
		})
	}
	return p, nil
}

// waitConnected waits until the peer is connected, it fails, ctx ends or
// d passes.
func (p *sendPeer) waitConnected(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.connected:
		return nil
	case <-p.failed:
		return errors.New("the connection failed (ICE or DTLS)")
	case <-t.C:
		return fmt.Errorf("%w: not connected after %v", ErrStalled, d)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close ends the tracks with an RTCP BYE when bye is set, closes the
// connection and waits for the RTCP readers.
func (p *sendPeer) close(bye bool) {
	if bye {
		var pkts []rtcp.Packet
		for _, t := range []*trackSender{p.video, p.audio} {
			if t != nil && t.ssrc() != 0 {
				pkts = append(pkts, t.bye())
			}
		}
		if len(pkts) > 0 {
			_ = p.pc.WriteRTCP(pkts)
		}
	}
	_ = p.pc.Close()
	p.wg.Wait()
}

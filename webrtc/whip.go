// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// PublisherOptions configure a Publisher.
type PublisherOptions struct {
	Options
	// Video and Audio are the codecs sent: H264, VP8 or VP9, and Opus.
	// 0 takes the format of the input's first frame, which delays the
	// offer until that frame.
	Video, Audio frame.Format
}

// Publisher sends a graph's encoded video and audio to a WHIP server
// (RFC 9725). It is a media.Muxer.
type Publisher struct {
	url  string
	opts PublisherOptions
}

// NewPublisher returns a Publisher to the WHIP endpoint at url (http or
// https). Nothing is sent before Run.
func NewPublisher(url string, opts PublisherOptions) (*Publisher, error) {
	for _, f := range []frame.Format{opts.Video, opts.Audio} {
		if f == 0 {
			continue
		}
		if _, err := capability(f); err != nil {
			return nil, fmt.Errorf("whip %s: %w", url, err)
		}
	}
	return &Publisher{url: url, opts: opts}, nil
}

// Name returns "whip".
func (*Publisher) Name() string { return "whip" }

// Run offers the streams to the server, waits for the connection, and
// sends each frame when its PTS is due (the first frame of either input
// sets the clock), RTP timestamps following PTS and RTCP sender reports
// mapping them to wall-clock time, so that a receiver aligns audio and
// video as they were. H.264 goes as Annex B with SPS and PPS before every
// key frame, whether the encoder wrote Annex B or length-prefixed units.
// When both inputs end it sends an RTCP BYE on each track and DELETEs
// the session, and returns nil. A refused offer returns an error wrapping
// ErrRefused with the URL and the HTTP status; a connection that fails
// returns an error; ctx ending returns its error. Frames with a DTS
// before their PTS (B-frames) are refused: WebRTC cannot carry them.
func (p *Publisher) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) (err error) {
	vfeed, afeed := &feed[frame.Video]{in: video}, &feed[frame.Audio]{in: audio}
	vf, af := p.formats(vfeed, afeed)
	defer vfeed.off()
	defer afeed.off()
	if vf == 0 && af == 0 {
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	peer, resource, err := p.connect(ctx, vf, af)
	if err != nil {
		return err
	}
	graceful := false
	defer func() {
		peer.close(graceful)
		if herr := hangUp(p.opts.Options, resource); herr != nil && err == nil && graceful {
			err = fmt.Errorf("whip: ending the session: %w", herr)
		}
	}()
	if err := peer.waitConnected(ctx, p.opts.timeout()); err != nil {
		return fmt.Errorf("whip %s: %w", p.url, err)
	}
	var clock pacer
	var wmu sync.Mutex // the two pumps share the peer's RTCP writes
	write := func(t *trackSender) func(sample) error {
		return func(s sample) error {
			wmu.Lock()
			defer wmu.Unlock()
			select {
			case <-peer.failed:
				return errors.New("the connection failed or was closed")
			default:
			}
			return t.write(peer.pc, clock.origin(), s)
		}
	}
	vfeed.prepare, vfeed.send = (&preparer{format: vf}).video, write(peer.video)
	afeed.prepare, afeed.send = (&preparer{format: af}).audio, write(peer.audio)
	if err := sendBoth(ctx, &clock, vfeed, afeed); err != nil {
		return fmt.Errorf("whip %s: %w", p.url, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	graceful = true
	return nil
}

// formats returns the formats sent: those of the options, or for one left
// 0 the format of the input's first frame, which its feed keeps to send
// first. An input without frames is turned off and its format is 0. The
// inputs are read at once, as a graph may hold one until the other is.
func (p *Publisher) formats(video *feed[frame.Video], audio *feed[frame.Audio]) (vf, af frame.Format) {
	var peek sync.WaitGroup
	peek.Go(func() { vf = video.peek(p.opts.Video, func(v frame.Video) frame.Format { return v.Format }) })
	peek.Go(func() { af = audio.peek(p.opts.Audio, func(a frame.Audio) frame.Format { return a.Format }) })
	peek.Wait()
	if vf == 0 {
		video.off()
	}
	if af == 0 {
		audio.off()
	}
	return vf, af
}

// connect makes the peer sending vf and af (0 for none) and negotiates
// the session, returning its resource URL.
func (p *Publisher) connect(ctx context.Context, vf, af frame.Format) (*sendPeer, string, error) {
	api, err := p.opts.api()
	if err != nil {
		return nil, "", fmt.Errorf("whip %s: %w", p.url, err)
	}
	peer, err := newSendPeer(api, p.opts.Options, vf, af, true)
	if err != nil {
		return nil, "", fmt.Errorf("whip %s: %w", p.url, err)
	}
	resource, err := offer(ctx, p.opts.Options, p.url, peer.pc)
	if err != nil {
		peer.close(false)
		return nil, "", fmt.Errorf("whip: %w", err)
	}
	return peer, resource, nil
}

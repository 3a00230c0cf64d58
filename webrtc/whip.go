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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A format left 0 is the first frame's; the frame is kept for sending.
	var firstV *frame.Video
	var firstA *frame.Audio
	vf, af := p.opts.Video, p.opts.Audio
	noV, noA := video == (stage.In[frame.Video]{}), audio == (stage.In[frame.Audio]{})
	var peek sync.WaitGroup
	if !noV && vf == 0 {
		peek.Go(func() {
			if v, ok := video.Recv(); ok {
				firstV, vf = &v, v.Format
			} else {
				noV = true
			}
		})
	}
	if !noA && af == 0 {
		peek.Go(func() {
			if a, ok := audio.Recv(); ok {
				firstA, af = &a, a.Format
			} else {
				noA = true
			}
		})
	}
	peek.Wait()
	defer func() {
		if firstV != nil {
			firstV.Release()
		}
		if firstA != nil {
			firstA.Release()
		}
	}()
	if noV {
		vf = 0
	}
	if noA {
		af = 0
	}
	if vf == 0 && af == 0 {
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	api, err := p.opts.api()
	if err != nil {
		return fmt.Errorf("whip %s: %w", p.url, err)
	}
	peer, err := newSendPeer(api, p.opts.Options, vf, af, true)
	if err != nil {
		return fmt.Errorf("whip %s: %w", p.url, err)
	}
	resource, err := offer(ctx, p.opts.Options, p.url, peer.pc)
	if err != nil {
		peer.close(false)
		return fmt.Errorf("whip: %w", err)
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
	write := func(t *trackSender, s sample) error {
		wmu.Lock()
		defer wmu.Unlock()
		select {
		case <-peer.failed:
			return errors.New("the connection failed or was closed")
		default:
		}
		return t.write(peer.pc, clock.origin(), s)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	if vf != 0 {
		wg.Go(func() {
			pr := &preparer{format: vf}
			prep := func(v frame.Video) (sample, error) {
				return pr.prepare(ctx, v.Data, v.Format, v.Codec, v.PTS, v.DTS, v.Keyframe)
			}
			send := func(s sample) error { return write(peer.video, s) }
			if firstV != nil {
				v := *firstV
				firstV = nil
				s, err := prep(v)
				v.Release()
				if err == nil && clock.wait(ctx, s.pts) {
					err = send(s)
				}
				if err != nil {
					errs[0] = err
					cancel()
					return
				}
			}
			if errs[0] = pump(ctx, video, &clock, prep, send); errs[0] != nil {
				cancel()
			}
		})
	}
	if af != 0 {
		wg.Go(func() {
			pr := &preparer{format: af}
			prep := func(a frame.Audio) (sample, error) {
				return pr.prepare(ctx, a.Data, a.Format, a.Codec, a.PTS, a.DTS, true)
			}
			send := func(s sample) error { return write(peer.audio, s) }
			if firstA != nil {
				a := *firstA
				firstA = nil
				s, err := prep(a)
				a.Release()
				if err == nil && clock.wait(ctx, s.pts) {
					err = send(s)
				}
				if err != nil {
					errs[1] = err
					cancel()
					return
				}
			}
			if errs[1] = pump(ctx, audio, &clock, prep, send); errs[1] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("whip %s: %w", p.url, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	graceful = true
	return nil
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// Client pulls a stream from a WHEP server (RFC 9725's sibling for
// playback; this package's Endpoint is one). It is a media.Demuxer.
type Client struct {
	url              string
	opts             Options
	noVideo, noAudio bool
	streams          media.Streams

	mu       sync.Mutex
	peer     *recvPeer // the session Run uses next, or nil
	resource string
	closed   bool
	// lastAligned is AlignedBy of the last session.
	lastAligned string
}

// Dial offers to receive video and audio (unless noVideo or noAudio) from
// the WHEP server at url (http or https), and returns a Client once the
// server has answered: Streams then says what it sends. The media flows
// in Run. A server that refuses gives an error wrapping ErrRefused with
// the URL and the HTTP status.
func Dial(ctx context.Context, url string, opts Options, noVideo, noAudio bool) (*Client, error) {
	c := &Client{url: url, opts: opts, noVideo: noVideo, noAudio: noAudio}
	if err := c.dial(ctx); err != nil {
		return nil, err
	}
	c.streams = c.peer.streams
	if c.streams.Video == 0 && c.streams.Audio == 0 {
		_ = c.Close()
		return nil, fmt.Errorf("whep %s: the server sends neither video nor audio that this package takes (H264, VP8, VP9, Opus)", url)
	}
	return c, nil
}

// dial opens a session: a peer connection, its offer and the answer.
func (c *Client) dial(ctx context.Context) error {
	api, err := c.opts.api()
	if err != nil {
		return fmt.Errorf("whep %s: %w", c.url, err)
	}
	peer, err := newRecvPeer(api, c.opts)
	if err != nil {
		return fmt.Errorf("whep %s: %w", c.url, err)
	}
	for _, k := range []struct {
		skip bool
		kind pion.RTPCodecType
	}{{c.noVideo, pion.RTPCodecTypeVideo}, {c.noAudio, pion.RTPCodecTypeAudio}} {
		if k.skip {
			continue
		}
		if _, err := peer.pc.AddTransceiverFromKind(k.kind, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionRecvonly}); err != nil {
			_ = peer.pc.Close()
			return fmt.Errorf("whep %s: %w", c.url, err)
		}
	}
	resource, err := offer(ctx, c.opts, c.url, peer.pc)
	if err != nil {
		_ = peer.pc.Close()
		return fmt.Errorf("whep: %w", err)
	}
	if peer.streams, err = streamsOf(peer.pc.RemoteDescription()); err != nil {
		_ = peer.pc.Close()
		_ = hangUp(c.opts, resource)
		return fmt.Errorf("whep %s: %w", c.url, err)
	}
	c.mu.Lock()
	c.peer, c.resource = peer, resource
	c.mu.Unlock()
	return nil
}

// streamsOf reads the codecs an SDP sends: the first payload format of
// each audio and video section that is not inactive or rejected.
// A server that lists several codecs sends the first, as pion and
// browsers do; a track of another codec ends Run with an error.
func streamsOf(d *pion.SessionDescription) (media.Streams, error) {
	var s media.Streams
	if d == nil {
		return s, errors.New("no session description")
	}
	// Parsed here, not with d.Unmarshal, which caches into the
	// description pion itself reads.
	parsed := &sdp.SessionDescription{}
	if err := parsed.UnmarshalString(d.SDP); err != nil {
		return s, err
	}
	for _, m := range parsed.MediaDescriptions {
		if m.MediaName.Port.Value == 0 || len(m.MediaName.Formats) == 0 {
			continue
		}
		if _, ok := m.Attribute("inactive"); ok {
			continue
		}
		f := formatOfPayload(m, m.MediaName.Formats[0])
		switch {
		case m.MediaName.Media == "video" && f.IsVideo() && s.Video == 0:
			s.Video = f
		case m.MediaName.Media == "audio" && f.IsAudio() && s.Audio == 0:
			s.Audio = f
		}
	}
	return s, nil
}

// formatOfPayload returns the format of payload type pt of m, from its
// rtpmap attribute, or 0.
func formatOfPayload(m *sdp.MediaDescription, pt string) frame.Format {
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		var num, name string
		if _, err := fmt.Sscanf(a.Value, "%s %s", &num, &name); err != nil || num != pt {
			continue
		}
		for i := range name {
			if name[i] == '/' {
				name = name[:i]
				break
			}
		}
		return formatOfMime(m.MediaName.Media + "/" + name)
	}
	return 0
}

// Name returns "whep".
func (*Client) Name() string { return "whep" }

// Streams says what the server sends.
func (c *Client) Streams() media.Streams { return c.streams }

// Run sends the frames received until the server ends the stream (an RTCP
// BYE on every track, or the connection closed: nil), no packet comes for
// Options.Timeout (ErrStalled), the connection fails, or ctx ends. Video
// starts at a key frame (the client asks for one); PTS start near 0 and
// follow RTP time, aligned across tracks by the sender's RTCP reports
// (see Options.SyncWait and AlignedBy). Run ends the session (DELETE)
// before it returns; called again, it opens a new one, which is how
// package media reconnects a live input.
func (c *Client) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	c.mu.Lock()
	closed, peer := c.closed, c.peer
	c.mu.Unlock()
	if closed {
		return fmt.Errorf("whep %s: the client is closed", c.url)
	}
	if peer == nil {
		if err := c.dial(ctx); err != nil {
			return err
		}
		c.mu.Lock()
		peer = c.peer
		c.mu.Unlock()
		if peer.streams != c.streams {
			c.endSession()
			return fmt.Errorf("whep %s: the server now sends %v, not %v", c.url, peer.streams, c.streams)
		}
	}
	defer c.endSession()
	if err := peer.run(ctx, video, audio); err != nil {
		return fmt.Errorf("whep %s: %w", c.url, err)
	}
	return nil
}

// AlignedBy says how the last Run aligned the tracks:
// AlignedBySenderReports, AlignedByArrival (no reports within
// Options.SyncWait), or "" before its first frames.
func (c *Client) AlignedBy() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.peer == nil {
		return c.lastAligned
	}
	return c.peer.alignedBy()
}

// endSession closes the current session's connection and DELETEs its
// resource.
func (c *Client) endSession() {
	c.mu.Lock()
	peer, resource := c.peer, c.resource
	c.peer, c.resource = nil, ""
	if peer != nil {
		c.lastAligned = peer.alignedBy()
	}
	c.mu.Unlock()
	if peer != nil {
		_ = peer.pc.Close()
	}
	if resource != "" {
		_ = hangUp(c.opts, resource)
	}
}

// Close ends the session (closing the connection and DELETEing the
// resource) and any later Run: call it for a Client never run, or to
// stop package media reconnecting it.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.endSession()
	return nil
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	pion "github.com/pion/webrtc/v4"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// IngestOptions configure an Ingest.
type IngestOptions struct {
	Options
	// Video and Audio are the codecs taken from a publisher (H264, VP8 or
	// VP9, and Opus; 0 for none): offers are answered with these alone.
	Video, Audio frame.Format
}

// Ingest is a WHIP server for one publisher at a time: an http.Handler
// taking a POST of the publisher's SDP offer (201 Created, the answer and
// a Location) and a DELETE of that Location, and a media.Demuxer whose
// Run hands the published stream to a graph. A second publisher while
// one is live is refused with 409 Conflict.
type Ingest struct {
	opts IngestOptions
	api  *pion.API

	mu       sync.Mutex
	session  string // the live publisher's id, "" when none
	peer     *recvPeer
	arrived  chan *recvPeer // the accepted publisher, for Run
	finished bool
}

// NewIngest returns an Ingest taking the codecs opts names.
func NewIngest(opts IngestOptions) (*Ingest, error) {
	only, err := servedFormats(opts.Video, opts.Audio)
	if err != nil {
		return nil, fmt.Errorf("whip ingest: %w", err)
	}
	api, err := opts.api(only...)
	if err != nil {
		return nil, fmt.Errorf("whip ingest: %w", err)
	}
	return &Ingest{opts: opts, api: api, arrived: make(chan *recvPeer, 1)}, nil
}

// Name returns "whip-ingest".
func (*Ingest) Name() string { return "whip-ingest" }

// Streams says what the Ingest takes.
func (g *Ingest) Streams() media.Streams {
	return media.Streams{Video: g.opts.Video, Audio: g.opts.Audio}
}

// ServeHTTP answers WHIP: POST an offer to the ingest's path, DELETE the
// Location it returned. OPTIONS answers a CORS preflight, and GET gives a
// page that publishes a browser's camera and microphone.
func (g *Ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	signalServer{"WHIP", "WHIP publisher", publishJS, g.post, g.endSession}.serve(w, r)
}

// endSession ends the live session if its id is id, reporting whether it
// was.
func (g *Ingest) endSession(id string) bool {
	g.mu.Lock()
	var p *recvPeer
	if g.session != "" && id == g.session {
		p = g.peer
	}
	g.mu.Unlock()
	if p == nil {
		return false
	}
	// Closing the connection ends the tracks: Run finishes what it holds
	// and returns.
	_ = p.pc.Close()
	return true
}

func (g *Ingest) post(w http.ResponseWriter, r *http.Request) {
	offerSDP, ok := readOffer(w, r)
	if !ok {
		return
	}
	sid := sessionID()
	if code, why := g.admit(sid); code != 0 {
		http.Error(w, why, code)
		return
	}
	fail := func() {
		g.mu.Lock()
		g.session, g.peer = "", nil
		g.mu.Unlock()
	}
	p, err := newRecvPeer(g.api, g.opts.Options)
	if err != nil {
		fail()
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err := answer(w, r, g.opts.Options, p.pc, offerSDP, sid); err != nil {
		_ = p.pc.Close()
		fail()
		return
	}
	p.streams, _ = streamsOf(p.pc.LocalDescription())
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished {
		// Close came while answering: nobody will run or close p.
		_ = p.pc.Close()
		return
	}
	g.peer = p
	g.arrived <- p // one session at a time: the buffer has room
}

// admit makes sid the live session, or returns the HTTP status and the
// reason for refusing it.
func (g *Ingest) admit(sid string) (int, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished {
		return http.StatusGone, "this ingest has ended"
	}
	if g.session != "" {
		return http.StatusConflict, "a publisher is already live"
	}
	g.session = sid
	return 0, ""
}

// Run waits for a publisher, then sends the frames it publishes until it
// ends the session (DELETE, or an RTCP BYE on every track: nil), stalls
// for Options.Timeout (ErrStalled), or ctx ends. Timing is as the
// Client's. Later publishers are refused with 410 Gone: an Ingest serves
// one run.
func (g *Ingest) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	defer func() { _ = g.Close() }()
	var p *recvPeer
	select {
	case p = <-g.arrived:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := p.run(ctx, video, audio); err != nil {
		return fmt.Errorf("whip ingest: %w", err)
	}
	return nil
}

// AlignedBy says how Run aligned the tracks, as Client.AlignedBy does.
func (g *Ingest) AlignedBy() string {
	g.mu.Lock()
	p := g.peer
	g.mu.Unlock()
	if p == nil {
		return ""
	}
	return p.alignedBy()
}

// Close ends a live session and refuses later ones. Run calls it; call it
// for an Ingest never run.
func (g *Ingest) Close() error {
	g.mu.Lock()
	g.finished = true
	p := g.peer
	g.mu.Unlock()
	if p != nil {
		_ = p.pc.Close()
	}
	select {
	case p := <-g.arrived: // accepted but never run
		_ = p.pc.Close()
	default:
	}
	return nil
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
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
	var only []frame.Format
	for _, f := range []frame.Format{opts.Video, opts.Audio} {
		if f == 0 {
			continue
		}
		only = append(only, f)
	}
	if len(only) == 0 {
		return nil, errors.New("whip ingest: neither Video nor Audio is set")
	}
	if opts.Video != 0 && !opts.Video.IsVideo() || opts.Audio != 0 && !opts.Audio.IsAudio() {
		return nil, fmt.Errorf("whip ingest: Video %v and Audio %v: a video codec and an audio codec", opts.Video, opts.Audio)
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

// publisher is a page that publishes a browser's camera and microphone
// to the ingest that serves it.
//
//go:embed publish.html
var publisher []byte

// ServeHTTP answers WHIP: POST an offer to the ingest's path, DELETE the
// Location it returned. OPTIONS answers a CORS preflight, and GET gives a
// page that publishes a browser's camera and microphone.
func (g *Ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(publisher)
	case http.MethodPost:
		g.post(w, r)
	case http.MethodDelete:
		g.mu.Lock()
		var p *recvPeer
		if g.session != "" && path.Base(r.URL.Path) == g.session {
			p = g.peer
		}
		g.mu.Unlock()
		if p == nil {
			http.Error(w, "no such session", http.StatusNotFound)
			return
		}
		// Closing the connection ends the tracks: Run finishes what it
		// holds and returns.
		_ = p.pc.Close()
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		http.Error(w, "trickle ICE is not supported", http.StatusMethodNotAllowed)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE, OPTIONS")
		http.Error(w, "WHIP takes POST and DELETE", http.StatusMethodNotAllowed)
	}
}

func (g *Ingest) post(w http.ResponseWriter, r *http.Request) {
	offerSDP, ok := readOffer(w, r)
	if !ok {
		return
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	sid := hex.EncodeToString(id[:])
	g.mu.Lock()
	switch {
	case g.finished:
		g.mu.Unlock()
		http.Error(w, "this ingest has ended", http.StatusGone)
		return
	case g.session != "":
		g.mu.Unlock()
		http.Error(w, "a publisher is already live", http.StatusConflict)
		return
	}
	g.session = sid
	g.mu.Unlock()
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
	if err := answer(w, r, g.opts.Options, p.pc, offerSDP, strings.TrimSuffix(r.URL.Path, "/")+"/"+sid); err != nil {
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

// Run waits for a publisher, then sends the frames it publishes until it
// ends the session (DELETE, or an RTCP BYE on every track: nil), stalls
// for Options.Timeout (ErrStalled), or ctx ends. Timing is as the
// Client's. Later publishers are refused with 410 Gone: an Ingest serves
// one run.
func (g *Ingest) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	defer g.Close()
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

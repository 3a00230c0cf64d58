// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// EndpointOptions configure an Endpoint.
type EndpointOptions struct {
	Options
	// Video and Audio are the codecs the graph sends: H264, VP8 or VP9,
	// and Opus; 0 for a stream the endpoint does not serve. Viewers are
	// offered these before the first frame arrives.
	Video, Audio frame.Format
	// Queue is how many frames a viewer may fall behind before it skips
	// to the next key frame; 0 means 256 (about 3 s of video and audio).
	Queue int
	// MaxViewers refuses viewers beyond it with 503; 0 means no limit.
	MaxViewers int
}

// Endpoint serves a graph's encoded stream to any number of WHEP viewers
// (browsers, or this package's Client). It is an http.Handler taking a
// POST of an SDP offer (201 Created, the answer and a Location) and a
// DELETE of that Location (the session ends), and a media.Muxer: its Run
// reads the graph's video and audio.
//
// Each viewer starts at the next key frame, audio with it, and has its
// own queue: a viewer that falls behind by Queue frames skips to the
// next key frame and never slows the graph or the other viewers. Run
// paces the frames by PTS, as a live source would send them. When both
// inputs end, Run ends every session with an RTCP BYE, which this
// package's Client takes as the end of the stream, and later offers are
// refused with 410 Gone. An Endpoint serves one run.
type Endpoint struct {
	opts EndpointOptions
	api  *pion.API

	mu       sync.Mutex
	viewers  map[string]*viewer
	pending  int  // offers being answered
	ended    bool // Run has finished, or Close was called
	wall0    time.Time
	haveWall bool
	// recentAudio is the last audio sent, for a viewer starting at a key
	// frame: the audio playing at that frame's PTS began before it.
	recentAudio []sample
	sessions    sync.WaitGroup
}

// NewEndpoint returns an Endpoint serving video and audio of the formats
// opts names.
func NewEndpoint(opts EndpointOptions) (*Endpoint, error) {
	// Only the codecs sent, so that the answer lists nothing else.
	only, err := servedFormats(opts.Video, opts.Audio)
	if err != nil {
		return nil, fmt.Errorf("webrtc endpoint: %w", err)
	}
	if opts.Queue <= 0 {
		opts.Queue = 256
	}
	api, err := opts.api(only...)
	if err != nil {
		return nil, fmt.Errorf("webrtc endpoint: %w", err)
	}
	return &Endpoint{opts: opts, api: api, viewers: map[string]*viewer{}}, nil
}

// Name returns "whep-endpoint".
func (*Endpoint) Name() string { return "whep-endpoint" }

// Viewers returns how many viewers are connected.
func (e *Endpoint) Viewers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, v := range e.viewers {
		if v.live {
			n++
		}
	}
	return n
}

// viewer is one WHEP session.
type viewer struct {
	id      string
	peer    *sendPeer
	queue   chan viewerSample
	live    bool // connected: the broadcast feeds it
	waitKey bool // skipping until the next video key frame
	dropped int
	closed  bool
	ctx     context.Context // ends with the session
	cancel  context.CancelFunc
}

type viewerSample struct {
	sample
	audio bool
}

// ServeHTTP answers WHEP: POST an offer to the endpoint's path, DELETE
// the Location it returned. OPTIONS answers a CORS preflight, and GET
// gives a page that plays the stream in a browser (a WHEP client in a
// few lines of JavaScript).
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	signalServer{"WHEP", "WHEP player", playerJS, e.post, e.endSession}.serve(w, r)
}

// endSession ends the session of viewer id, reporting whether there is
// one.
func (e *Endpoint) endSession(id string) bool {
	e.mu.Lock()
	v := e.viewers[id]
	e.mu.Unlock()
	if v == nil {
		return false
	}
	e.end(v, false)
	return true
}

func (e *Endpoint) post(w http.ResponseWriter, r *http.Request) {
	offerSDP, ok := readOffer(w, r)
	if !ok {
		return
	}
	if code, why := e.admit(); code != 0 {
		http.Error(w, why, code)
		return
	}
	v, err := e.newViewer(w, r, offerSDP)
	e.mu.Lock()
	e.pending--
	if err == nil && e.ended {
		err = errors.New("ended")
	}
	if err != nil {
		e.mu.Unlock()
		if v != nil {
			v.cancel()
			v.peer.close(false)
		}
		e.sessions.Done()
		return
	}
	e.viewers[v.id] = v
	e.mu.Unlock()
	go e.serve(v)
}

// admit counts an offer being answered, or returns the HTTP status and
// the reason for refusing it.
func (e *Endpoint) admit() (int, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ended {
		return http.StatusGone, "the stream has ended"
	}
	if e.opts.MaxViewers > 0 && len(e.viewers)+e.pending >= e.opts.MaxViewers {
		return http.StatusServiceUnavailable, "too many viewers"
	}
	e.pending++
	e.sessions.Add(1)
	return 0, ""
}

func (e *Endpoint) newViewer(w http.ResponseWriter, r *http.Request, offerSDP []byte) (*viewer, error) {
	peer, err := newSendPeer(e.api, e.opts.Options, e.opts.Video, e.opts.Audio, false)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return nil, err
	}
	v := &viewer{id: sessionID(), peer: peer, queue: make(chan viewerSample, e.opts.Queue), waitKey: e.opts.Video != 0}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	if err := answer(w, r, e.opts.Options, peer.pc, offerSDP, v.id); err != nil {
		return v, err
	}
	return v, nil
}

// serve runs one viewer's session: it waits for the connection, joins the
// broadcast, and writes what the broadcast queues until the queue is
// closed (the end of the stream or of the session) or the connection
// fails.
func (e *Endpoint) serve(v *viewer) {
	defer e.sessions.Done()
	defer v.cancel()
	if err := v.peer.waitConnected(v.ctx, e.opts.timeout()); err != nil {
		e.end(v, false)
		v.peer.close(false)
		return
	}
	e.mu.Lock()
	if !v.closed {
		v.live = true
	}
	e.mu.Unlock()
	bye := true
	for {
		select {
		case s, ok := <-v.queue:
			if !ok {
				v.peer.close(bye)
				return
			}
			t := v.peer.video
			if s.audio {
				t = v.peer.audio
			}
			e.mu.Lock()
			wall0 := e.wall0
			e.mu.Unlock()
			if err := t.write(v.peer.pc, wall0, s.sample); err != nil {
				bye = false
				e.end(v, false)
			}
		case <-v.peer.failed:
			e.end(v, false)
			// Drain what was queued until the queue closes.
			for range v.queue {
			}
			v.peer.close(false)
			return
		}
	}
}

// end removes v from the broadcast and closes its queue: serve then
// finishes what is queued and closes the connection.
func (e *Endpoint) end(v *viewer, locked bool) {
	if !locked {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	if v.closed {
		return
	}
	v.closed, v.live = true, false
	v.cancel()
	delete(e.viewers, v.id)
	close(v.queue)
}

// broadcast queues s for every live viewer, without waiting for any.
func (e *Endpoint) broadcast(s sample, audio bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if audio && e.opts.Video != 0 {
		if len(e.recentAudio) == cap(e.recentAudio) && len(e.recentAudio) > 0 {
			e.recentAudio = append(e.recentAudio[:0], e.recentAudio[1:]...)
		}
		if e.recentAudio == nil {
			e.recentAudio = make([]sample, 0, 16)
		}
		e.recentAudio = append(e.recentAudio, s)
	}
	for _, v := range e.viewers {
		if v.live {
			e.queue(v, s, audio)
		}
	}
}

// queue queues s for v, with e.mu held. A viewer waiting for a key frame
// starts at one, with the recent audio still playing at its PTS; one
// behind by a whole queue skips to the next key frame rather than slow
// the graph.
func (e *Endpoint) queue(v *viewer, s sample, audio bool) {
	if v.waitKey {
		if audio || !s.key {
			return
		}
		v.waitKey = false
		for _, a := range e.recentAudio {
			if a.pts+a.dur > s.pts {
				select {
				case v.queue <- viewerSample{a, true}:
				default:
				}
			}
		}
	}
	select {
	case v.queue <- viewerSample{s, audio}:
	default:
		v.dropped++
		v.waitKey = e.opts.Video != 0
	}
}

// Run reads the graph's frames and serves them until both inputs end (nil),
// a frame cannot be sent (an error naming it), or ctx ends (its error).
// Either input may be the zero In.
func (e *Endpoint) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
	defer func() { _ = e.Close() }()
	var clock pacer
	broadcast := func(audio bool) func(sample) error {
		return func(s sample) error {
			e.start(&clock)
			e.broadcast(s, audio)
			return nil
		}
	}
	err := sendBoth(ctx, &clock,
		&feed[frame.Video]{in: video, prepare: (&preparer{format: e.opts.Video}).video, send: broadcast(false)},
		&feed[frame.Audio]{in: audio, prepare: (&preparer{format: e.opts.Audio}).audio, send: broadcast(true)})
	if err != nil {
		return fmt.Errorf("webrtc endpoint: %w", err)
	}
	return ctx.Err()
}

// start records the wall-clock time of PTS 0 that sender reports use.
func (e *Endpoint) start(c *pacer) {
	e.mu.Lock()
	if !e.haveWall {
		e.wall0, e.haveWall = c.origin(), true
	}
	e.mu.Unlock()
}

// Close ends every session (each viewer gets what is queued, then an RTCP
// BYE) and refuses later offers. Run calls it when it returns; call it
// for an Endpoint never run.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	e.ended = true
	for _, v := range e.viewers {
		e.end(v, true)
	}
	e.mu.Unlock()
	e.sessions.Wait()
	return nil
}

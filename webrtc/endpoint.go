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
	if opts.Video == 0 && opts.Audio == 0 {
		return nil, errors.New("webrtc endpoint: neither Video nor Audio is set")
	}
	for _, f := range []frame.Format{opts.Video, opts.Audio} {
		if f == 0 {
			continue
		}
		if _, err := capability(f); err != nil {
			return nil, fmt.Errorf("webrtc endpoint: %w", err)
		}
	}
	if opts.Video != 0 && !opts.Video.IsVideo() || opts.Audio != 0 && !opts.Audio.IsAudio() {
		return nil, fmt.Errorf("webrtc endpoint: Video %v and Audio %v: a video codec and an audio codec", opts.Video, opts.Audio)
	}
	if opts.Queue <= 0 {
		opts.Queue = 256
	}
	// Only the codecs sent, so that the answer lists nothing else.
	var only []frame.Format
	for _, f := range []frame.Format{opts.Video, opts.Audio} {
		if f != 0 {
			only = append(only, f)
		}
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

// player is a page that plays the endpoint that serves it in a browser.
//
//go:embed player.html
var player []byte

// ServeHTTP answers WHEP: POST an offer to the endpoint's path, DELETE
// the Location it returned. OPTIONS answers a CORS preflight, and GET
// gives a page that plays the stream in a browser (a WHEP client in a
// few lines of JavaScript).
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(player)
	case http.MethodPost:
		e.post(w, r)
	case http.MethodDelete:
		e.mu.Lock()
		v := e.viewers[path.Base(r.URL.Path)]
		e.mu.Unlock()
		if v == nil {
			http.Error(w, "no such session", http.StatusNotFound)
			return
		}
		e.end(v, false)
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		// Trickle ICE: candidates all come in the offer and answer.
		http.Error(w, "trickle ICE is not supported", http.StatusMethodNotAllowed)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE, OPTIONS")
		http.Error(w, "WHEP takes POST and DELETE", http.StatusMethodNotAllowed)
	}
}

func (e *Endpoint) post(w http.ResponseWriter, r *http.Request) {
	offerSDP, ok := readOffer(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	switch {
	case e.ended:
		e.mu.Unlock()
		http.Error(w, "the stream has ended", http.StatusGone)
		return
	case e.opts.MaxViewers > 0 && len(e.viewers)+e.pending >= e.opts.MaxViewers:
		e.mu.Unlock()
		http.Error(w, "too many viewers", http.StatusServiceUnavailable)
		return
	}
	e.pending++
	e.sessions.Add(1)
	e.mu.Unlock()
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

func (e *Endpoint) newViewer(w http.ResponseWriter, r *http.Request, offerSDP []byte) (*viewer, error) {
	peer, err := newSendPeer(e.api, e.opts.Options, e.opts.Video, e.opts.Audio, false)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return nil, err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	v := &viewer{id: hex.EncodeToString(id[:]), peer: peer, queue: make(chan viewerSample, e.opts.Queue), waitKey: e.opts.Video != 0}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	resource := strings.TrimSuffix(r.URL.Path, "/") + "/" + v.id
	if err := answer(w, r, e.opts.Options, peer.pc, offerSDP, resource); err != nil {
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
			bye = false
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
		if !v.live {
			continue
		}
		if v.waitKey {
			if audio || !s.key {
				continue
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
			// Behind by a whole queue: skip to the next key frame rather
			// than slow the graph.
			v.dropped++
			v.waitKey = e.opts.Video != 0
		}
	}
}

// Run reads the graph's frames and serves them until both inputs end (nil),
// a frame cannot be sent (an error naming it), or ctx ends (its error).
// Either input may be the zero In.
func (e *Endpoint) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
	defer e.Close()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	var clock pacer
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if video != (stage.In[frame.Video]{}) {
		wg.Go(func() {
			p := &preparer{format: e.opts.Video}
			errs[0] = pump(ctx, video, &clock, func(v frame.Video) (sample, error) {
				return p.prepare(ctx, v.Data, v.Format, v.Codec, v.PTS, v.DTS, v.Keyframe)
			}, func(s sample) error { e.start(&clock); e.broadcast(s, false); return nil })
			if errs[0] != nil {
				cancel()
			}
		})
	}
	if audio != (stage.In[frame.Audio]{}) {
		wg.Go(func() {
			p := &preparer{format: e.opts.Audio}
			errs[1] = pump(ctx, audio, &clock, func(a frame.Audio) (sample, error) {
				s, err := p.prepare(ctx, a.Data, a.Format, a.Codec, a.PTS, a.DTS, true)
				s.dur = a.Duration
				return s, err
			}, func(s sample) error { e.start(&clock); e.broadcast(s, true); return nil })
			if errs[1] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
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

// pacer holds senders of several streams to one wall clock: the first
// frame of any stream fixes the wall-clock time of PTS 0, and each frame
// waits until its PTS is due. Safe for concurrent use.
type pacer struct {
	mu    sync.Mutex
	start time.Time
}

func (c *pacer) origin() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start
}

// wait returns once pts is due, at once when it is late, and false when
// ctx ends first.
func (c *pacer) wait(ctx context.Context, pts time.Duration) bool {
	c.mu.Lock()
	if c.start.IsZero() {
		c.start = time.Now().Add(-pts)
	}
	d := time.Until(c.start.Add(pts))
	c.mu.Unlock()
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pump reads in until its end, turning each frame into a sample with
// prepare and, once its PTS is due by clock, handing it to send. It
// releases every frame it receives, and returns the first error, or nil
// at the end of in or when ctx ends.
func pump[T interface {
	frame.Video | frame.Audio
	Release()
	Span() (time.Duration, time.Duration)
}](ctx context.Context, in stage.In[T], clock *pacer, prepare func(T) (sample, error), send func(sample) error) error {
	for {
		f, ok := in.Recv()
		if !ok {
			return nil
		}
		if ctx.Err() != nil {
			f.Release()
			return nil
		}
		s, err := prepare(f)
		f.Release()
		if err != nil {
			return err
		}
		if !clock.wait(ctx, s.pts) {
			return nil
		}
		if err := send(s); err != nil {
			return err
		}
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// maxSDP bounds the SDP read from a peer: real ones are a few kilobytes.
const maxSDP = 1 << 20

// offer creates pc's offer, waits for its ICE candidates (this package
// does not trickle), POSTs it to endpoint as WHIP and WHEP do (RFC 9725),
// and applies the answer. It returns the session's resource URL: the
// Location of the answer, resolved against endpoint.
func offer(ctx context.Context, o Options, endpoint string, pc *pion.PeerConnection) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	sdp, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(sdp); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("gathering ICE candidates: %w", ctx.Err())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		return "", err
	}
	for k, v := range o.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/sdp")
	resp, err := o.client().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSDP))
	if err != nil {
		return "", fmt.Errorf("POST %s: reading the answer: %w", endpoint, err)
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("%w: POST %s: HTTP %s%s", ErrRefused, endpoint, resp.Status, excerpt(body))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/sdp") {
		return "", fmt.Errorf("POST %s: HTTP %s with Content-Type %q, not an SDP answer", endpoint, resp.Status, ct)
	}
	resource := endpoint
	if loc := resp.Header.Get("Location"); loc != "" {
		base, err := url.Parse(endpoint)
		if err != nil {
			return "", err
		}
		ref, err := url.Parse(loc)
		if err != nil {
			return "", fmt.Errorf("POST %s: Location %q: %w", endpoint, loc, err)
		}
		resource = base.ResolveReference(ref).String()
	}
	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: string(body)}); err != nil {
		return "", fmt.Errorf("POST %s: the answer: %w", endpoint, err)
	}
	return resource, nil
}

// hangUp ends a session by a DELETE of its resource, as WHIP and WHEP
// do. It waits at most 5 s: the media has ended either way.
func hangUp(o Options, resource string) error {
	ctx, cancel := context.WithTimeout(context.Background(), min(o.timeout(), 5*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, resource, nil)
	if err != nil {
		return err
	}
	for k, v := range o.Header {
		req.Header[k] = v
	}
	resp, err := o.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: DELETE %s: HTTP %s%s", ErrRefused, resource, resp.Status, excerpt(body))
	}
	return nil
}

// excerpt returns the start of an error body, for an error message.
func excerpt(body []byte) string {
	s := strings.TrimSpace(string(body))
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return ": " + s
}

// answer is the server's side of offer: it applies the offer read from r
// to pc, waits for pc's ICE candidates, and writes the answer with 201
// Created and Location: the request's path and then session, the
// resource a DELETE ends.
func answer(w http.ResponseWriter, r *http.Request, o Options, pc *pion.PeerConnection, offerSDP []byte, session string) error {
	ctx, cancel := context.WithTimeout(r.Context(), o.timeout())
	defer cancel()
	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: string(offerSDP)}); err != nil {
		http.Error(w, "bad offer: "+err.Error(), http.StatusBadRequest)
		return err
	}
	sdp, err := pc.CreateAnswer(nil)
	if err != nil {
		http.Error(w, "no answer to this offer: "+err.Error(), http.StatusNotAcceptable)
		return err
	}
	gathered := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(sdp); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		http.Error(w, "gathering ICE candidates timed out", http.StatusServiceUnavailable)
		return ctx.Err()
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", strings.TrimSuffix(r.URL.Path, "/")+"/"+session)
	w.WriteHeader(http.StatusCreated)
	_, err = io.WriteString(w, pc.LocalDescription().SDP)
	return err
}

// readOffer reads an SDP offer from a WHIP or WHEP POST, answering the
// request itself when it is not one.
func readOffer(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/sdp") {
		http.Error(w, "want Content-Type: application/sdp", http.StatusUnsupportedMediaType)
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxSDP))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return b, true
}

// cors lets a page of another origin use a handler, and answers a
// preflight OPTIONS request; it reports whether it answered.
func cors(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	h.Set("Access-Control-Expose-Headers", "Location")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// The pages a WHEP Endpoint and a WHIP Ingest give to a GET: one shell,
// the signalling both share, and each one's own script.
var (
	//go:embed page.html
	pageHTML string
	//go:embed signal.js
	signalJS string
	//go:embed player.js
	playerJS string
	//go:embed publish.js
	publishJS string
)

// pageOf returns the page titled title that runs script after the shared
// signalling.
func pageOf(title, script string) []byte {
	s := strings.Replace(pageHTML, "{{title}}", title, 1)
	return []byte(strings.Replace(s, "{{script}}", signalJS+"\n"+script, 1))
}

// sessionID returns a new session's id, the last element of its
// resource: random, so that one client cannot end another's session.
func sessionID() string {
	var id [8]byte
	_, _ = rand.Read(id[:])
	return hex.EncodeToString(id[:])
}

// signalServer is the HTTP side of a WHIP or WHEP server (protocol says
// which): it answers a CORS preflight, gives a page (title and script, see
// pageOf) to GET, hands a POST of an offer to post, and a DELETE of a
// session's resource to end, answering 404 when end reports no such
// session. PATCH (trickle ICE) is refused: candidates all come in the
// offer and answer.
type signalServer struct {
	protocol, title, script string
	post                    func(http.ResponseWriter, *http.Request)
	end                     func(session string) bool
}

func (s signalServer) serve(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(pageOf(s.title, s.script))
	case http.MethodPost:
		s.post(w, r)
	case http.MethodDelete:
		if !s.end(path.Base(r.URL.Path)) {
			http.Error(w, "no such session", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		http.Error(w, "trickle ICE is not supported", http.StatusMethodNotAllowed)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE, OPTIONS")
		http.Error(w, s.protocol+" takes POST and DELETE", http.StatusMethodNotAllowed)
	}
}

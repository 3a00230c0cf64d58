// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"errors"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream/media"
)

func TestHTTPURL(t *testing.T) {
	for _, c := range []struct {
		in, kind, want string
		opts           Options
		ok, err        bool
	}{
		{"whep://h:8089/whep", "whep", "http://h:8089/whep", Options{}, true, false},
		{"wheps://h/a/b?x=1", "whep", "https://h/a/b?x=1", Options{}, true, false},
		{"whep+http://h/whep#loopback", "whep", "http://h/whep", Options{Loopback: true}, true, false},
		{"whip+https://h/w#loopback&timeout=3s", "whip", "https://h/w", Options{Loopback: true, Timeout: 3 * time.Second}, true, false},
		{"whip://h/w#bogus", "whip", "", Options{}, true, true},
		{"whip://h/w#timeout=-1s", "whip", "", Options{}, true, true},
		{"whip:///w", "whip", "", Options{}, true, true},
		{"whep://h/w", "whip", "", Options{}, false, false},
		{"http://h/w", "whep", "", Options{}, false, false},
		{"out.mp4", "whip", "", Options{}, false, false},
	} {
		got, o, ok, err := httpURL(c.in, c.kind)
		if ok != c.ok || (err != nil) != c.err || !c.err && (got != c.want || o.Loopback != c.opts.Loopback || o.Timeout != c.opts.Timeout) {
			t.Errorf("httpURL(%q, %q) = %q, %+v, %v, %v; want %q, %+v, %v, error %v", c.in, c.kind, got, o, ok, err, c.want, c.opts, c.ok, c.err)
		}
	}
}

// The backend refuses what is not its own, so that other backends get it.
func TestRefusesOtherURLs(t *testing.T) {
	if _, err := open(media.Input{URL: "rtsp://h/x"}); !errors.Is(err, media.ErrUnsupported) {
		t.Errorf("open rtsp: %v, want a refusal", err)
	}
	if _, err := open(media.Input{URL: "whep://h/x", Decode: true}); !errors.Is(err, media.ErrUnsupported) {
		t.Errorf("open with Decode: %v, want a refusal", err)
	}
	if _, err := write(media.Output{URL: "out.mkv"}); !errors.Is(err, media.ErrUnsupported) {
		t.Errorf("write out.mkv: %v, want a refusal", err)
	}
	if _, err := write(media.Output{URL: "whip://h/x", Video: frame.H265}); err == nil || errors.Is(err, media.ErrUnsupported) {
		t.Errorf("write H265: %v, want a failure naming the codec", err)
	}
	if p, err := write(media.Output{URL: "http://h/x", Container: "whip"}); err != nil || p.(*Publisher).url != "http://h/x" {
		t.Errorf("write with Container whip: %v", err)
	}
}

func TestNTP(t *testing.T) {
	now := time.Date(2026, 11, 29, 14, 0, 0, 123456789, time.UTC)
	if d := fromNTP(ntpTime(now)).Sub(now); d < -time.Nanosecond || d > time.Nanosecond {
		t.Errorf("NTP round trip off by %v", d)
	}
}

// A viewer that falls a whole queue behind loses frames until the next
// key frame, and the broadcast never waits for it.
func TestSlowViewerSkipsToKeyframe(t *testing.T) {
	e := &Endpoint{opts: EndpointOptions{Video: frame.H264, Audio: frame.Opus}, viewers: map[string]*viewer{}}
	v := &viewer{id: "v", queue: make(chan viewerSample, 2), live: true, waitKey: true}
	e.viewers["v"] = v
	e.broadcast(sample{pts: 0, dur: 20 * time.Millisecond}, true) // before the key frame: held back
	e.broadcast(sample{pts: 10 * time.Millisecond, key: true}, false)
	for i := range 3 {
		e.broadcast(sample{pts: time.Duration(i+2) * 10 * time.Millisecond}, false)
	}
	if len(v.queue) != 2 || !v.waitKey || v.dropped != 1 {
		t.Fatalf("queue %d, waitKey %v, dropped %d; want 2, true, 1", len(v.queue), v.waitKey, v.dropped)
	}
	if s := <-v.queue; !s.audio || s.pts != 0 {
		t.Errorf("first queued %+v, want the audio playing at the key frame", s)
	}
	if s := <-v.queue; s.audio || !s.key {
		t.Errorf("second queued %+v, want the key frame", s)
	}
	e.broadcast(sample{pts: time.Second}, false) // not a key frame: skipped
	e.broadcast(sample{pts: time.Second, dur: 20 * time.Millisecond}, true)
	if len(v.queue) != 0 {
		t.Fatalf("%d queued while waiting for a key frame", len(v.queue))
	}
	e.broadcast(sample{pts: 2 * time.Second, key: true}, false)
	if len(v.queue) != 1 || v.waitKey {
		t.Fatalf("after a key frame: queue %d, waitKey %v", len(v.queue), v.waitKey)
	}
}

func FuzzStreamsOf(f *testing.F) {
	f.Add("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n")
	f.Add("v=0\r\nm=video 0 RTP/AVP 96\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := streamsOf(&pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: s})
		if err == nil && (got.Video != 0 && !got.Video.IsVideo() || got.Audio != 0 && !got.Audio.IsAudio()) {
			t.Fatalf("streams %v", got)
		}
	})
}

func FuzzHTTPURL(f *testing.F) {
	f.Add("whep+http://127.0.0.1:8089/whep#loopback&timeout=2s")
	f.Add("whips://h/x")
	f.Fuzz(func(t *testing.T, s string) {
		u, _, ok, err := httpURL(s, "whip")
		if ok && err == nil && u == "" {
			t.Fatal("accepted with no URL")
		}
	})
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spinorml/streamer/stream/media"
)

func init() {
	media.Register(media.Backend{Name: "webrtc", Open: open, Write: write})
}

// httpURL maps a WHIP or WHEP URL of this package's convention onto the
// server's HTTP URL and the Options its fragment names. kind is "whip"
// or "whep"; ok is false for any other URL.
//
//	whip://host:port/path     → http://host:port/path
//	whips://host/path         → https://host/path
//	whip+http://..., whip+https://...  → the same without "whip+"
//	...#loopback&timeout=5s   → Options{Loopback: true, Timeout: 5 * time.Second}
//
// The fragment is never sent to the server.
func httpURL(raw, kind string) (string, Options, bool, error) {
	var o Options
	scheme, rest, found := strings.Cut(raw, "://")
	if !found {
		return "", o, false, nil
	}
	switch strings.ToLower(scheme) {
	case kind, kind + "+http":
		scheme = "http"
	case kind + "s", kind + "+https":
		scheme = "https"
	default:
		return "", o, false, nil
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil {
		return "", o, true, fmt.Errorf("webrtc: %s: %w", raw, err)
	}
	if u.Host == "" {
		return "", o, true, fmt.Errorf("webrtc: %s: no host", raw)
	}
	if u.Fragment != "" {
		for _, kv := range strings.Split(u.Fragment, "&") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "loopback":
				o.Loopback = v == "" || v == "1" || v == "true"
			case "timeout":
				d, err := time.ParseDuration(v)
				if err != nil || d <= 0 {
					return "", o, true, fmt.Errorf("webrtc: %s: timeout=%q: want a positive duration such as 5s", raw, v)
				}
				o.Timeout = d
			default:
				return "", o, true, fmt.Errorf("webrtc: %s: unknown option %q in the fragment (want loopback, timeout=D)", raw, k)
			}
		}
		u.Fragment = ""
	}
	return u.String(), o, true, nil
}

// open is the backend's Open: whep:// URLs (see httpURL).
func open(in media.Input) (media.Demuxer, error) {
	u, o, ok, err := httpURL(in.URL, "whep")
	if !ok {
		return nil, media.Unsupported("webrtc: %s is not a WHEP URL (whep://, wheps://, whep+http(s)://)", in.URL)
	}
	if err != nil {
		return nil, err
	}
	if in.Decode {
		return nil, media.Unsupported("webrtc: %s: WHEP gives encoded frames; decode them with media.NewVideoDecoder", in.URL)
	}
	if in.Timeout > 0 && o.Timeout == 0 {
		o.Timeout = in.Timeout
	}
	return Dial(context.Background(), u, o, in.NoVideo, in.NoAudio)
}

// write is the backend's Write: whip:// URLs (see httpURL), or an http(s)
// URL with Container "whip".
func write(out media.Output) (media.Muxer, error) {
	u, o, ok, err := httpURL(out.URL, "whip")
	if !ok && out.Container == "whip" {
		u, o, ok, err = httpURL("whip+"+out.URL, "whip")
	}
	if !ok {
		return nil, media.Unsupported("webrtc: %s is not a WHIP URL (whip://, whips://, whip+http(s)://)", out.URL)
	}
	if err != nil {
		return nil, err
	}
	return NewPublisher(u, PublisherOptions{Options: o, Video: out.Video, Audio: out.Audio})
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media_test

import (
	"strings"
	"testing"

	"github.com/spinorml/streamer/stream/media"
)

// URLs come from users and from the outside (a playlist, a config): the
// functions that read them never panic, and agree with each other.
func FuzzURLs(f *testing.F) {
	for _, u := range []string{"rtmp://h/live/k", "srt://h:1?mode=listener", "out/hls/", "x.m3u8?t=1", "http://h/a.ts", "", "://", "a://b/c.mp4", "file:///x.mkv", "/dev/video0", "%zz://x"} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u string) {
		scheme := media.Scheme(u)
		if scheme != strings.ToLower(scheme) {
			t.Errorf("Scheme(%q) = %q, not lower case", u, scheme)
		}
		c, err := media.ContainerOf(media.Output{URL: u})
		if err == nil && c.Name == "" {
			t.Errorf("ContainerOf(%q): a container without a name", u)
		}
		out := media.Output{URL: u}
		if out.Live() != media.IsNetwork(u) {
			t.Errorf("Live and IsNetwork disagree on %q", u)
		}
		p, s := media.HLSPaths(out)
		if !strings.Contains(s, "%05d") || p == "" {
			t.Errorf("HLSPaths(%q) = %q, %q", u, p, s)
		}
		_ = media.Input{URL: u}.StallTimeout()
	})
}

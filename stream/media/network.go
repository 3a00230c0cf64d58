// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"net/url"
	"path"
	"strings"

	"github.com/spinorml/streamer/frame"
)

// Scheme returns the lower-case scheme of a URL ("rtmp" of
// rtmp://host/app/key), or "" for a plain path.
func Scheme(u string) string {
	scheme, _, ok := strings.Cut(u, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/\\.") {
		return ""
	}
	return strings.ToLower(scheme)
}

// localSchemes are the URL schemes that are not a network: files and
// devices.
var localSchemes = map[string]bool{"": true, "file": true, "v4l2": true, "pipe": true} //nolint:gochecknoglobals // constant table

// IsNetwork reports whether u is a network URL (rtsp, rtmp, srt, udp, rtp,
// http(s) for HLS, ...) rather than a file path, a file:// URL or a
// device. Network inputs get a stall Timeout by default (see
// Input.StallTimeout); network outputs are live (see Output.Live).
func IsNetwork(u string) bool { return !localSchemes[Scheme(u)] }

// Live reports whether out is a live network output (rtmp://, srt://,
// rtsp://, udp://, rtp://, ...): a receiver may join it at any time, so
// its video should have a key frame every second or two with the parameter
// sets repeated (VideoEncoding.Live), and a backend paces what it sends to
// the timestamps rather than sending a file's frames as fast as it reads
// them. HLS into a folder is not: it is written as fast as it comes.
func (out Output) Live() bool { return IsNetwork(out.URL) }

// Live returns e set up for a live output at fps frames per second: a key
// frame every second (unless KeyframeInterval is set), low-latency tuning
// (no look-ahead, no B-frames, parameter sets with every key frame, as
// LowLatency says) and, when Preset is the default, PresetFast, so that a
// receiver joining mid-stream starts within a second and the encoder keeps
// up with real time. A zero fps counts as 30.
func (e VideoEncoding) Live(fps frame.Rational) VideoEncoding {
	if e.KeyframeInterval == 0 {
		e.KeyframeInterval = 30
		if fps.Num > 0 && fps.Den > 0 {
			e.KeyframeInterval = max(1, (fps.Num+fps.Den/2)/fps.Den)
		}
	}
	e.LowLatency = true
	if e.Preset == PresetDefault {
		e.Preset = PresetFast
	}
	return e
}

// urlPath returns the path part of u, without a query or fragment, for
// its extension.
func urlPath(u string) string {
	if Scheme(u) == "" {
		return u
	}
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return u
}

// HLSPaths returns where an HLS output (container "hls") writes: its
// playlist, and the printf pattern of its MPEG-TS segments (one %05d for
// the segment number), next to the playlist. A URL ending in .m3u8 is the
// playlist itself ("live/index.m3u8": segments "live/index00000.ts", ...);
// any other URL is a folder, whose playlist is index.m3u8.
func HLSPaths(out Output) (playlist, segments string) {
	u := out.URL
	if strings.EqualFold(path.Ext(urlPath(u)), ".m3u8") {
		return u, strings.TrimSuffix(u, path.Ext(u)) + "%05d.ts"
	}
	dir := strings.TrimSuffix(u, "/") + "/"
	return dir + "index.m3u8", dir + "index%05d.ts"
}

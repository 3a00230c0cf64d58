// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream/media"
)

// liveSink is how an output URL scheme is written: the muxer that frames
// the container for it and the sink element that sends it. Network sinks
// keep their default sync=true, so a file read faster than real time is
// sent at its own pace, as ffmpeg -re would.
type liveSink struct {
	container string                           // as media.Containers names it
	muxer     string                           // muxer element and its settings
	sink      func(u *url.URL) (string, error) // the sending fragment
	needs     []string                         // elements that must be installed
}

// liveSinks is the one table of network outputs GStreamer writes here, by
// URL scheme. MPEG-TS goes out 7 packets (1316 bytes) at a time, as SRT
// and UDP receivers expect.
var liveSinks = map[string]liveSink{ //nolint:gochecknoglobals // a table: the sink of each network protocol
	"rtmp":  {"flv", "flvmux streamable=true", rtmpSink, []string{"flvmux", "rtmp2sink"}},
	"rtmps": {"flv", "flvmux streamable=true", rtmpSink, []string{"flvmux", "rtmp2sink"}},
	"srt":   {"mpegts", "mpegtsmux alignment=7", srtSink, []string{"mpegtsmux", "srtsink"}},
	"udp":   {"mpegts", "mpegtsmux alignment=7", udpSink(""), []string{"mpegtsmux", "udpsink"}},
	"rtp":   {"mpegts", "mpegtsmux alignment=7", udpSink("rtpmp2tpay ! "), []string{"mpegtsmux", "rtpmp2tpay", "udpsink"}},
}

func rtmpSink(u *url.URL) (string, error) {
	return "rtmp2sink location=" + launchQuote(u.String()), nil
}

// srtSink passes the URL through: srtsink reads mode=caller|listener and
// the other SRT options from its query, as srt-live-transmit does.
func srtSink(u *url.URL) (string, error) {
	return "srtsink uri=" + launchQuote(u.String()) + " wait-for-connection=false", nil
}

func udpSink(pay string) func(u *url.URL) (string, error) {
	return func(u *url.URL) (string, error) {
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			return "", fmt.Errorf("host:port: %w", err)
		}
		if _, err := strconv.Atoi(port); err != nil {
			return "", fmt.Errorf("port %q: %w", port, err)
		}
		return pay + "udpsink host=" + launchQuote(host) + " port=" + port, nil
	}
}

// networkWrite returns the MuxSink for a network output or an HLS folder,
// and false when out is neither (a file).
func networkWrite(out media.Output, c media.Container) (*MuxSink, bool, error) {
	switch c.Name {
	case "rtsp":
		// rtspclientsink's RECORD was refused by FFmpeg's RTSP listener in
		// the network conformance test; the ffmpeg backend publishes RTSP.
		return nil, true, media.Unsupported("gst: write %s: RTSP publish (rtspclientsink) is not verified here yet", out.URL)
	case "hls":
		return hlsWrite(out)
	}
	scheme := media.Scheme(out.URL)
	if !media.IsNetwork(out.URL) || scheme == "file" {
		return nil, false, nil
	}
	ls, ok := liveSinks[scheme]
	if !ok {
		return nil, true, media.Unsupported("gst: write %s: no GStreamer sink for %s:// URLs here", out.URL, scheme)
	}
	if c.Name != ls.container {
		return nil, true, media.Unsupported("gst: write %s: %s:// carries %s here, not %s", out.URL, scheme, ls.container, c.Name)
	}
	if err := needElements(out.URL, ls.needs...); err != nil {
		return nil, true, err
	}
	u, err := url.Parse(out.URL)
	if err != nil {
		return nil, true, fmt.Errorf("gst: write %s: %w", out.URL, err)
	}
	sink, err := ls.sink(u)
	if err != nil {
		return nil, true, fmt.Errorf("gst: write %s: %w", out.URL, err)
	}
	return liveMuxSink(out, ls.muxer, sink), true, nil
}

// liveMuxSink is a MuxSink whose parsers repeat the parameter sets before
// every key frame, so that a receiver may join at any key frame.
func liveMuxSink(out media.Output, muxer, sink string) *MuxSink {
	return &MuxSink{Muxer: muxer, Output: sink, Video: liveParser(out.Video), Audio: liveParser(out.Audio)}
}

// liveParser is MuxParser for a stream a receiver may join mid-way; empty
// (MuxParser of the first frame) when the format is not known yet.
func liveParser(f frame.Format) string {
	p := MuxParser(f)
	if f == 0 || p == "identity" {
		return ""
	}
	if settings := parseAfterEncoder[f]; settings != "" {
		p += " " + settings
	}
	return p
}

// hlsWrite writes an HLS playlist and its MPEG-TS segments (see
// media.HLSPaths) with hlssink2, which muxes and cuts at key frames
// itself and ends the playlist (#EXT-X-ENDLIST) at the end of stream.
// Every segment is kept and listed, as a recording: a server or CDN in
// front serves them.
func hlsWrite(out media.Output) (*MuxSink, bool, error) {
	if err := needElements(out.URL, "hlssink2"); err != nil {
		return nil, true, err
	}
	playlist, segments := media.HLSPaths(out)
	if media.IsNetwork(playlist) && media.Scheme(playlist) != "file" {
		return nil, true, media.Unsupported("gst: write %s: HLS is written into a local folder (serve it over HTTP)", out.URL)
	}
	// The folder is made, as FFmpeg's HLS muxer does.
	if dir := filepath.Dir(localPath(playlist)); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, true, fmt.Errorf("gst: write %s: %w", out.URL, err)
		}
	}
	for _, p := range []*string{&playlist, &segments} {
		sink, err := outputSink(*p)
		if err != nil {
			return nil, true, err
		}
		*p = strings.TrimPrefix(sink, "filesink location=")
	}
	seg := out.SegmentDuration
	if seg <= 0 {
		seg = media.DefaultSegmentDuration
	}
	mux := fmt.Sprintf("hlssink2 location=%s playlist-location=%s target-duration=%d max-files=0 playlist-length=0",
		segments, playlist, max(1, int((seg+time.Second-1)/time.Second)))
	return liveMuxSink(out, mux, ""), true, nil
}

// needElements refuses an output whose elements are not installed,
// naming the first missing one.
func needElements(u string, elements ...string) error {
	for _, el := range elements {
		if !HasElement(el) {
			return media.Unsupported("gst: write %s: %v", u, missingElement(el, ""))
		}
	}
	return nil
}

// localPath is the path of a plain path or file:// URL.
func localPath(u string) string {
	if p, ok := strings.CutPrefix(u, "file://"); ok {
		return p
	}
	return u
}

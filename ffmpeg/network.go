// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"

// Open fc->pb for writing url with protocol options (consumed entries are
// removed from *opts), interruptible by fc's interrupt callback.
static int sm_open_output_opts(AVFormatContext *fc, const char *url, AVDictionary **opts) {
	return avio_open2(&fc->pb, url, AVIO_FLAG_WRITE, &fc->interrupt_callback, opts);
}
*/
import "C"

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/spinorml/streamer/stream/media"
)

// Network protocols (rtmp, rtsp, srt, tls, ...) need the network layer up
// once per process before the first URL is opened.
func init() { C.avformat_network_init() }

// tsPacketsSize is seven 188-byte MPEG-TS packets: what fits an SRT
// payload (1456 bytes at most) and a UDP datagram under a 1500-byte MTU,
// and what SRT receivers expect (libsrt's live mode sends whole packets).
const tsPacketsSize = "1316"

// writeTimeout bounds one write to a network output (FFmpeg's rw_timeout):
// a server that stops reading fails the publish rather than hanging it.
const writeTimeout = 10 * time.Second

// liveOutput sets up m for a network or HLS output of container c: the
// muxer's and the protocol's options, pacing for live outputs. It returns
// an error for an HLS folder it cannot make.
func liveOutput(m *Mux, out media.Output, c media.Container) error {
	scheme := media.Scheme(out.URL)
	m.Options = map[string]string{}
	if out.Live() {
		m.Pace = true
		m.IOOptions = map[string]string{"rw_timeout": micros(writeTimeout)}
		// Each packet goes out when written: AVIO's buffer (32 KiB) would
		// otherwise hold about a second of a small stream and send it in
		// bursts, which receivers see as stalls.
		m.Options["flush_packets"] = "1"
	}
	switch {
	case c.Name == "flv" && out.Live():
		// A live FLV has no duration or size to patch in at the end.
		m.Options["flvflags"] = "no_duration_filesize"
	case c.Name == "mpegts" && (scheme == "srt" || scheme == "udp"):
		m.URL = withQuery(out.URL, "pkt_size", tsPacketsSize)
	case c.Name == "mpegts" && scheme == "rtp":
		// MPEG-TS in RTP (payload type 33, RFC 2250), seven TS packets a
		// datagram: FFmpeg's rtp_mpegts muxer, not raw TS over the socket.
		m.Format = "rtp_mpegts"
		m.URL = withQuery(out.URL, "pkt_size", strconv.Itoa(1316+12))
	case c.Name == "rtsp":
		tr := out.Transport
		if tr == "" {
			tr = media.TransportTCP
		}
		m.Options["rtsp_transport"], m.Options["timeout"] = string(tr), micros(writeTimeout)
		m.IOOptions = nil // the rtsp muxer opens its own connections
	case c.Name == "hls":
		playlist, segments := media.HLSPaths(out)
		seg := out.SegmentDuration
		if seg == 0 {
			seg = media.DefaultSegmentDuration
		}
		m.URL = playlist
		m.Options["hls_time"] = strconv.FormatFloat(seg.Seconds(), 'f', -1, 64)
		m.Options["hls_list_size"] = "0" // every segment stays listed: a player may start anywhere
		m.Options["hls_segment_filename"] = segments
		m.Options["hls_flags"] = "independent_segments+program_date_time"
		if !media.IsNetwork(playlist) {
			if err := os.MkdirAll(filepath.Dir(playlist), 0o755); err != nil {
				return fmt.Errorf("ffmpeg: write %s: %w", out.URL, err)
			}
		}
	}
	return nil
}

// liveProbe is how much of a live input's stream FFmpeg reads to find its
// streams' parameters (analyzeduration). Its default, 5 s, is 5 s of
// waiting on a live source; a stream joined live has its parameter sets
// within a key-frame interval.
const liveProbe = time.Second

// openLimit bounds the open of in (connect and probe): its stall timeout
// plus the time the probe reads; 0 for no bound.
func openLimit(in media.Input) time.Duration {
	t := in.StallTimeout()
	if t == 0 {
		return 0
	}
	if media.IsNetwork(in.URL) {
		t += liveProbe
	}
	return t
}

// liveInput sets d's demuxer and protocol options for a network input: a
// short probe (liveProbe), RTSP's transport, and I/O timeouts at in's
// stall timeout so that a socket read fails rather than blocking for ever
// (the stall watchdog of package media and the open deadline bound the
// rest).
func liveInput(d *Demux, in media.Input) {
	if !media.IsNetwork(in.URL) {
		return
	}
	if d.Options == nil {
		d.Options = map[string]string{}
	}
	d.Options["analyzeduration"] = micros(liveProbe)
	t := in.StallTimeout()
	switch media.Scheme(in.URL) {
	case "rtsp", "rtsps":
		if in.Transport != "" {
			d.Options["rtsp_transport"] = string(in.Transport)
		}
		if t > 0 {
			d.Options["timeout"] = micros(t)
		}
	case "srt":
		if t > 0 {
			d.Options["timeout"] = micros(t)
		}
	case "rtmp", "rtmps":
		// No rw_timeout: a read that times out inside an RTMP message
		// leaves the chunk parser mid-message ("RTMP packet size
		// mismatch"); the stall watchdog of package media ends a stalled
		// session instead.
	default:
		if t > 0 {
			d.Options["rw_timeout"] = micros(t)
		}
	}
}

// micros spells d in microseconds, as FFmpeg's timeout options take it.
func micros(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) }

// withQuery returns u with key=value added to its query, unless the key is
// already there.
func withQuery(u, key, value string) string {
	base, query, _ := strings.Cut(u, "?")
	q, err := url.ParseQuery(query)
	if err != nil || q.Has(key) {
		return u
	}
	if query != "" {
		return base + "?" + query + "&" + key + "=" + value
	}
	return base + "?" + key + "=" + value
}

// openOutput opens fc's I/O for writing u with protocol options opts.
func openOutput(fc *C.AVFormatContext, u string, opts map[string]string) error {
	cu := C.CString(u)
	defer C.free(unsafe.Pointer(cu))
	dict, err := newOptions(opts)
	if err != nil {
		return err
	}
	defer dict.Free()
	return avErr(C.sm_open_output_opts(fc, cu, dictRef(dict)))
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream/media"
)

// Each network output gets its protocol's muxer and options; the round
// trips against real servers are in conformance/network.
func TestLiveOutputSettings(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		out           media.Output
		url, format   string
		pace          bool
		option, value string
	}{
		{media.Output{URL: "rtmp://h/live/k"}, "rtmp://h/live/k", "flv", true, "flvflags", "no_duration_filesize"},
		{media.Output{URL: "srt://h:9000?mode=caller"}, "srt://h:9000?mode=caller&pkt_size=1316", "mpegts", true, "flush_packets", "1"},
		{media.Output{URL: "udp://h:5000?pkt_size=188"}, "udp://h:5000?pkt_size=188", "mpegts", true, "flush_packets", "1"},
		{media.Output{URL: "rtp://h:5004"}, "rtp://h:5004?pkt_size=1328", "rtp_mpegts", true, "flush_packets", "1"},
		{media.Output{URL: "rtsp://h/cam"}, "rtsp://h/cam", "rtsp", true, "rtsp_transport", "tcp"},
		{media.Output{URL: "rtsp://h/cam", Transport: media.TransportUDP}, "rtsp://h/cam", "rtsp", true, "rtsp_transport", "udp"},
		{media.Output{URL: filepath.Join(dir, "hls") + "/", SegmentDuration: 1500 * time.Millisecond}, filepath.Join(dir, "hls", "index.m3u8"), "hls", false, "hls_time", "1.5"},
		{media.Output{URL: filepath.Join(dir, "a.ts")}, filepath.Join(dir, "a.ts"), "mpegts", false, "", ""},
	} {
		c.out.Video, c.out.Audio = frame.H264, frame.AAC
		m, err := createOutput(c.out)
		if err != nil {
			t.Errorf("%s: %v", c.out.URL, err)
			continue
		}
		mux := m.(*Mux)
		if mux.URL != c.url || mux.Format != c.format || mux.Pace != c.pace || (c.option != "" && mux.Options[c.option] != c.value) {
			t.Errorf("%s: URL %s, format %s, pace %v, options %v; want %s, %s, %v, %s=%s",
				c.out.URL, mux.URL, mux.Format, mux.Pace, mux.Options, c.url, c.format, c.pace, c.option, c.value)
		}
	}
	if got := withQuery("srt://h:1?pkt_size=188&x=1", "pkt_size", "1316"); got != "srt://h:1?pkt_size=188&x=1" {
		t.Errorf("withQuery replaced a value already set: %s", got)
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package servers_test

import (
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/internal/servers"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Each server starts on free ports, can be killed and restarted on the
// same ports, and an RTMP publish reaches nginx's HLS folder; the network
// conformance suite runs the round trips.
func TestServersStartKillRestart(t *testing.T) {
	t.Run("nginx", func(t *testing.T) {
		n := servers.NginxRTMP(t)
		dial(t, n.RTMPPort, true)
		n.Kill()
		dial(t, n.RTMPPort, false)
		n.Restart()
		dial(t, n.RTMPPort, true)
		dial(t, n.HTTPPort, true)
		if !strings.HasPrefix(n.RTMP("k"), "rtmp://127.0.0.1:") || !strings.HasSuffix(n.HLS("k"), "/hls/k.m3u8") {
			t.Errorf("URLs %s, %s", n.RTMP("k"), n.HLS("k"))
		}
	})
	t.Run("srt", func(t *testing.T) {
		s := servers.SRTRelay(t)
		s.Kill()
		s.Restart()
		if s.PublishPort == s.PlayPort {
			t.Errorf("one port for both sides: %d", s.PublishPort)
		}
	})
	t.Run("rtsp", func(t *testing.T) {
		r := servers.RTSPServer(t)
		dial(t, r.Port, true)
		if _, err := exec.LookPath("ffprobe"); err != nil {
			t.Skip("ffprobe not on PATH")
		}
		out, err := exec.Command("ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name,width,height",
			"-of", "csv=p=0", r.Play()).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "h264,320,240") || !strings.Contains(string(out), "aac") {
			t.Errorf("ffprobe %s: %v\n%s", r.Play(), err, out)
		}
	})
}

// dial checks that something listens on port, or that nothing does.
func dial(t *testing.T, port int, want bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err == nil {
		c.Close()
	}
	if (err == nil) != want {
		t.Errorf("port %d: listening %v, want %v (%v)", port, err == nil, want, err)
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package servers

import (
	"fmt"
)

// SRT is an SRT relay: what is published to one port is sent to the
// caller of the other.
type SRT struct {
	*Proc
	PublishPort, PlayPort int
}

// Publish returns the URL a publisher calls.
func (s *SRT) Publish() string { return fmt.Sprintf("srt://127.0.0.1:%d?mode=caller", s.PublishPort) }

// Play returns the URL a puller calls.
func (s *SRT) Play() string { return fmt.Sprintf("srt://127.0.0.1:%d?mode=caller", s.PlayPort) }

// SRTRelay starts srt-live-transmit as a listener → listener relay on two
// free ports; it skips the test when srt-live-transmit (Debian package
// srt-tools) is missing. The relay passes MPEG-TS in 1316-byte packets (7
// TS packets), as SRT publishers send it. A puller that calls before the
// publisher waits without a timeout of its own: set one.
func SRTRelay(t TB) *SRT {
	t.Helper()
	bin := need(t, "srt-live-transmit", "Debian package srt-tools")
	s := &SRT{PublishPort: FreeUDPPort(t), PlayPort: FreeUDPPort(t)}
	s.Proc = start(t, boundUDP(s.PublishPort), bin, "-q",
		fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", s.PublishPort),
		fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", s.PlayPort))
	return s
}

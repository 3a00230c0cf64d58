// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	pion "github.com/pion/webrtc/v4"

	"github.com/spinorml/streamer/frame"
)

// Options configure a peer of this package: a Publisher, a Client, an
// Endpoint or an Ingest. The zero Options are ready: host candidates on
// every interface but loopback, as pion gathers them, and the timeouts
// below.
type Options struct {
	// ICEServers are STUN and TURN servers for ICE; none by default.
	ICEServers []pion.ICEServer
	// Loopback gathers ICE candidates on loopback addresses only
	// (127.0.0.1 over UDP): for peers on one machine and for tests.
	// Normal gathering skips loopback interfaces.
	Loopback bool
	// Timeout bounds the HTTP exchange, the time to connect, and the
	// longest a receiving peer waits for a packet before it fails with
	// ErrStalled. 0 means 10 s.
	Timeout time.Duration
	// SyncWait is how long a receiving peer holds its first frames for
	// the sender's RTCP sender reports, which align audio with video as
	// sent. When they have not come by then, the tracks are aligned by
	// the arrival of their first packets instead. 0 means 1 s.
	SyncWait time.Duration
	// Header is added to each HTTP request of a Publisher or Client: an
	// Authorization bearer token, for example.
	Header http.Header
	// HTTPClient sends the requests of a Publisher or Client; nil uses
	// http.DefaultClient.
	HTTPClient *http.Client
}

// ErrRefused is wrapped by the error when a WHIP or WHEP server answers
// an offer or a request with an HTTP error status.
var ErrRefused = errors.New("refused by the server")

// ErrStalled is wrapped by the error when a receiving peer gets no packet
// for Options.Timeout (with media.ErrTimeout), or a sending peer cannot
// connect within it.
var ErrStalled = errors.New("no media")

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 10 * time.Second
}

func (o Options) syncWait() time.Duration {
	if o.SyncWait > 0 {
		return o.SyncWait
	}
	return time.Second
}

func (o Options) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return http.DefaultClient
}

// api builds the pion API of a peer: the default codecs, NACK generation
// and responses, and receiver reports. Sender reports are this package's
// own (see trackSender.report): pion's sender interceptor maps RTP time
// to the time a packet left, and here RTP time is the frame's PTS. With
// only, the peer negotiates those codecs and no others.
func (o Options) api(only ...frame.Format) (*pion.API, error) {
	m := &pion.MediaEngine{}
	if len(only) == 0 {
		if err := m.RegisterDefaultCodecs(); err != nil {
			return nil, err
		}
	}
	for i, f := range only {
		c, err := capability(f)
		if err != nil {
			return nil, err
		}
		typ := pion.RTPCodecTypeVideo
		if f.IsAudio() {
			typ = pion.RTPCodecTypeAudio
		}
		if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: c, PayloadType: pion.PayloadType(96 + i)}, typ); err != nil {
			return nil, err
		}
	}
	ir := &interceptor.Registry{}
	if err := pion.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	ir.Add(rr)
	var se pion.SettingEngine
	// A peer that stops answering ICE checks fails after Timeout, so that
	// a sender to a vanished server ends with an error.
	se.SetICETimeouts(min(5*time.Second, o.timeout()/2), o.timeout(), time.Second)
	if o.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	}
	return pion.NewAPI(pion.WithMediaEngine(m), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se)), nil
}

func (o Options) config() pion.Configuration {
	return pion.Configuration{ICEServers: o.ICEServers}
}

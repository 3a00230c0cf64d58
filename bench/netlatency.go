// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/spinorml/streamer/internal/servers"
)

func init() {
	suites["netlatency"] = suite{"glass-to-glass latency per protocol on loopback: ours vs the ffmpeg CLI", runNetLatency}
}

// netProto is a protocol the netlatency suite measures.
type netProto struct {
	name string
	// urls starts the protocol's server, if it has one, and returns where
	// a sender sends the stream called key and where a receiver pulls it.
	urls func(tb servers.TB, key string) (send, recv string)
	// receivers maps a backend to what receives what it sends when that
	// is not itself ("*": every backend); "cli" is the ffmpeg CLI.
	receivers map[string]string
}

// netProtos is the table of protocols, in the order measured.
var netProtos = []netProto{ //nolint:gochecknoglobals // read-only table
	{"udp", func(tb servers.TB, _ string) (string, string) {
		u := fmt.Sprintf("udp://127.0.0.1:%d", servers.FreeUDPPort(tb))
		return u, u
	}, map[string]string{"gst": "ffmpeg"}}, // gst reads no udp://
	{"srt", func(tb servers.TB, _ string) (string, string) {
		s := servers.SRTRelay(tb)
		return s.Publish(), s.Play()
	}, nil},
	// gst's RTMP input of this video-only stream delivered nothing until
	// the publish ended (its FLV header announces audio too, which never
	// comes); the conformance round trips publish audio as well.
	{"rtmp", func(tb servers.TB, key string) (string, string) {
		u := servers.NginxRTMP(tb).RTMP(key)
		return u, u
	}, map[string]string{"gst": "ffmpeg"}},
	// The ffmpeg CLI listens as the RTSP server and is the receiver: our
	// backends publish (ANNOUNCE/RECORD) but serve no PLAY.
	{"rtsp", func(tb servers.TB, key string) (string, string) {
		u := fmt.Sprintf("rtsp://127.0.0.1:%d/%s", servers.FreeTCPPort(tb), key)
		return u, u
	}, map[string]string{"*": "cli"}},
}

func (p netProto) receiver(backend string) string {
	if r, ok := p.receivers["*"]; ok {
		return r
	}
	if r, ok := p.receivers[backend]; ok {
		return r
	}
	return backend
}

// runNetLatency measures, per protocol, the time from a frame entering
// the encoder to the same frame decoded at the receiver, each frame
// numbered in its picture (see bench/netlatencychild): ours (our encoder
// and output, the server, our input and decoder, one process per backend)
// against the ffmpeg CLI (raw frames on stdin → libx264 → the URL, and
// the URL → decode → raw luma on stdout), with the same encoder settings,
// size and rate. The server, where the protocol has one, is started anew
// on loopback for each run (package internal/servers).
func runNetLatency(args []string) error {
	fs := newFlags("netlatency")
	seconds := fs.Int("seconds", 10, "seconds each run sends")
	size := fs.String("size", "640x360", "picture size (30 fps)")
	protos := fs.String("protocols", "udp,srt,rtmp,rtsp", "comma-separated protocols")
	backends := fs.String("backends", "ffmpeg,gst", "comma-separated backends of ours")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, child, cleanup, err := prepareChild("netlatencychild", "ffmpeg", "the ffmpeg CLI", "ffmpeg")
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Printf("# %s at 30 fps, H.264 %s for %d s per run; latency: frame into the encoder → frame decoded, p50 (p99 in the parenthesis), the first %s received left out\n",
		*size, "VBR 2 Mb/s, x264 veryfast zerolatency, key frame each second, 2 threads", *seconds, "2 s")
	run := netRun{child: child, dir: dir, seconds: strconv.Itoa(*seconds), size: *size}
	var errs []error
	for _, name := range strings.Split(*protos, ",") {
		p, ok := findProto(name)
		if !ok {
			errs = append(errs, fmt.Errorf("netlatency: protocol %q is unknown", name))
			continue
		}
		for _, b := range strings.Split(*backends, ",") {
			if err := run.compare(p, b); err != nil {
				fmt.Printf("# netlatency-%s-%s: %v\n", p.name, b, err)
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func findProto(name string) (netProto, bool) {
	for _, p := range netProtos {
		if p.name == name {
			return p, true
		}
	}
	return netProto{}, false
}

// netRun is what each comparison of the suite shares.
type netRun struct {
	child, dir    string
	seconds, size string
}

// compare runs ours on backend b and the CLI over p, each with a server
// of its own, and prints the comparison, or why p was skipped.
func (r netRun) compare(p netProto, b string) error {
	recv := p.receiver(b)
	ours, skipped, err := r.once(p, b, recv)
	if skipped != "" {
		fmt.Printf("# netlatency-%s-%s: skipped: %s\n", p.name, b, skipped)
		return nil
	}
	if err != nil {
		return fmt.Errorf("ours: %w", err)
	}
	base, _, err := r.once(p, "cli", "cli")
	if err != nil {
		return fmt.Errorf("ffmpeg CLI: %w", err)
	}
	report(fmt.Sprintf("netlatency-%s-%s-p50", p.name, b), ours.p50, base.p50, "ms",
		fmt.Sprintf(" (p99: ours %.1f ms, baseline %.1f ms; ours %s → %s → %s, baseline ffmpeg CLI → %s → CLI; frames received/sent: ours %d/%d, baseline %d/%d)",
			ours.p99, base.p99, b, p.name, side(recv), p.name, ours.received, ours.sent, base.received, base.sent))
	return nil
}

func side(s string) string {
	if s == "cli" {
		return "ffmpeg CLI"
	}
	return s
}

// measured is what the child printed.
type measured struct {
	sent, received, unreadable, n int
	p50, p99                      float64
}

// once starts p's server and runs the child with sender and receiver
// over it; skipped says why when p's server is missing.
func (r netRun) once(p netProto, sender, receiver string) (m measured, skipped string, err error) {
	skipped, err = withServers(r.dir, func(tb servers.TB) {
		send, recv := p.urls(tb, "bench-"+sender)
		var out, stderr bytes.Buffer
		cmd := exec.Command(r.child, sender, receiver, send, recv, r.seconds, r.size)
		cmd.Stdout, cmd.Stderr = &out, &stderr
		err := cmd.Run()
		if why, ok := strings.CutPrefix(strings.TrimSpace(out.String()), "unsupported: "); ok {
			tb.Skip(why)
		}
		if err != nil {
			tb.Fatal(fmt.Sprintf("%s → %s: %v\n%s", sender, receiver, err, stderr.String()))
		}
		line := strings.TrimSpace(out.String())
		if _, err := fmt.Sscanf(line, "sent %d received %d unreadable %d measured %d p50 %g p99 %g",
			&m.sent, &m.received, &m.unreadable, &m.n, &m.p50, &m.p99); err != nil {
			tb.Fatal(fmt.Sprintf("%s → %s printed %q: %v", sender, receiver, line, err))
		}
		if m.n == 0 {
			tb.Fatal(fmt.Sprintf("%s → %s measured no frame (%s)\n%s", sender, receiver, line, stderr.String()))
		}
	})
	return m, skipped, err
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package cli holds what the example programs share: flag parsing for
// sizes and rates, and the live progress line.
package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream"
)

// ParseSize parses WxH, such as 1280x720.
func ParseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(s, "x")
	if !ok {
		return 0, 0, errors.New("want WxH, such as 1280x720")
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w < 1 || h < 1 || w > 16384 || h > 16384 {
		return 0, 0, errors.New("want WxH with W and H from 1 to 16384")
	}
	return w, h, nil
}

// ParseRate parses a positive integer or N/D, such as 30000/1001.
func ParseRate(s string) (frame.Rational, error) {
	ns, ds, frac := strings.Cut(s, "/")
	if !frac {
		ds = "1"
	}
	n, err1 := strconv.ParseInt(ns, 10, 32)
	d, err2 := strconv.ParseInt(ds, 10, 32)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return frame.Rational{}, errors.New("want a positive integer or N/D such as 30000/1001")
	}
	return frame.Rational{Num: int(n), Den: int(d)}, nil
}

// IsTerminal reports whether f is a terminal (a character device), without
// a dependency on a terminal package.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Stage returns the metrics of the stage called name in g.
func Stage(g *stream.Graph, name string) stream.Metrics {
	for _, m := range g.Metrics() {
		if m.Stage == name {
			return m
		}
	}
	return stream.Metrics{Stage: name}
}

// Progress shows, on standard error when it is a terminal, a line with the
// frames the stage called name has received (of total, when positive) and
// its rate, refreshed every 200 ms until the returned stop is called.
func Progress(g *stream.Graph, name string, total int) (stop func()) {
	if !IsTerminal(os.Stderr) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(os.Stderr, "\r\033[K") // the summary takes the line
				return
			case <-t.C:
				m := Stage(g, name)
				of := ""
				if total > 0 {
					of = "/" + strconv.Itoa(total)
				}
				fmt.Fprintf(os.Stderr, "\r frames %d%s  fps %.1f\033[K", m.In, of, m.FPS)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// ReportSignal returns what stream.StopOnSignal calls on a signal: it
// tells the user, on standard error, what the signal does.
func ReportSignal(program string) func(os.Signal, bool) {
	return func(sig os.Signal, cancelled bool) {
		if cancelled {
			fmt.Fprintf(os.Stderr, "\r\033[K%s: %v again: cancelling\n", program, sig)
			return
		}
		fmt.Fprintf(os.Stderr, "\r\033[K%s: %v: stopping, finishing the output (again to cancel)\n", program, sig)
	}
}

// Written describes how many frames each stream delivered to the muxer:
// "300 video and 470 audio frames". A nil pipe is left out.
func Written(video *stream.Pipe[frame.Video], audio *stream.Pipe[frame.Audio]) string {
	var parts []string
	if video != nil {
		parts = append(parts, strconv.FormatUint(video.Stats().Received, 10)+" video")
	}
	if audio != nil {
		parts = append(parts, strconv.FormatUint(audio.Stats().Received, 10)+" audio")
	}
	return strings.Join(parts, " and ") + " frames"
}

// Codecs are the codec names the examples' flags take: frame's names in
// lower case, and "hevc".
var Codecs = map[string]frame.Format{ //nolint:gochecknoglobals // a table: the examples' codec flag values
	"h264": frame.H264, "h265": frame.H265, "hevc": frame.H265, "vp8": frame.VP8, "vp9": frame.VP9, "av1": frame.AV1,
	"aac": frame.AAC, "opus": frame.Opus, "mp3": frame.MP3,
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command netlatencychild is one run of `go run ./bench netlatency`: a
// sender numbers raw frames in their picture (see paint), encodes them
// (H.264, live settings) and sends them to a URL; a receiver pulls them
// from another URL (the server's side of the same stream), decodes them
// and reads the numbers back. It prints one line with what it measured,
// glass to glass (the frame entering the encoder to the frame decoded):
//
//	sent N received M unreadable U measured K p50 X p99 Y   (ms)
//
// Usage:
//
//	netlatencychild SENDER RECEIVER SEND-URL RECV-URL SECONDS WxH
//
// SENDER and RECEIVER are "ffmpeg" or "gst" (ours, on that backend:
// media.NewVideoEncoder + media.Create; media.Open + decode), or "cli"
// (the ffmpeg CLI, fed raw frames on stdin, or writing decoded ones to
// stdout). When SENDER's backend cannot write SEND-URL, it prints
// "unsupported: " and the backend's reason, and exits with status 3. It
// links both backends (bench/gstchild links only one: its
// figure is memory, not latency).
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream/media"

	_ "github.com/spinorml/streamer/ffmpeg"
	_ "github.com/spinorml/streamer/gst"
)

// fps is the frame rate of every run, in frames a second, and frameDur
// one frame's time.
const (
	fps      = 30
	frameDur = time.Second / fps
)

// The encoder settings of both sides: ours are these, through
// VideoEncoding.Live; cliEncoder spells the same for the ffmpeg CLI.
const (
	bitrate = 2_000_000
	threads = 2
)

func encoding() media.VideoEncoding {
	return media.VideoEncoding{Codec: frame.H264, Rate: media.VBR, Bitrate: bitrate, Threads: threads}.Live(frame.Rational{Num: fps, Den: 1})
}

// config is one run.
type config struct {
	sender, receiver string
	sendURL, recvURL string
	seconds          int
	w, h             int
}

// A sender or receiver started; stop ends it (a sender first) and
// returns its error.
type side interface{ stop() error }

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, media.ErrUnsupported):
		fmt.Println("unsupported:", err)
		os.Exit(3)
	case err != nil:
		fmt.Fprintln(os.Stderr, "netlatencychild:", err)
		os.Exit(1)
	}
}

func parse(args []string) (config, error) {
	if len(args) != 6 {
		return config{}, fmt.Errorf("usage: netlatencychild SENDER RECEIVER SEND-URL RECV-URL SECONDS WxH")
	}
	c := config{sender: args[0], receiver: args[1], sendURL: args[2], recvURL: args[3]}
	var err error
	if c.seconds, err = strconv.Atoi(args[4]); err != nil || c.seconds <= 0 {
		return c, fmt.Errorf("SECONDS %q: want a positive number", args[4])
	}
	ws, hs, _ := strings.Cut(args[5], "x")
	c.w, _ = strconv.Atoi(ws)
	c.h, _ = strconv.Atoi(hs)
	if c.w < stampMinW || c.h < stampMinH || c.w%2 != 0 || c.h%2 != 0 {
		return c, fmt.Errorf("size %q: want even WxH of at least %dx%d", args[5], stampMinW, stampMinH)
	}
	return c, nil
}

// receiverFirst says whether the receiver must be up before the sender:
// it listens (udp:// binds the port, rtsp:// with the CLI is the
// server). Otherwise the sender publishes first: a server's player that
// comes before its publisher waits without end (RTMP, SRT).
func receiverFirst(url string) bool {
	s := media.Scheme(url)
	return s == "udp" || s == "rtp" || s == "rtsp"
}

func run(args []string) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	if err := setLogLevels(); err != nil {
		return err
	}
	l := newLedger()
	first, second := c.startReceiver, c.startSender
	if !receiverFirst(c.recvURL) {
		first, second = c.startSender, c.startReceiver
	}
	a, err := first(l)
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // a listener binds; a publish reaches its server
	b, err := second(l)
	if err != nil {
		_ = a.stop()
		return err
	}
	time.Sleep(time.Duration(c.seconds) * time.Second)
	snd, rcv := a, b
	if receiverFirst(c.recvURL) {
		snd, rcv = b, a
	}
	errS := snd.stop()
	time.Sleep(time.Second) // the frames in flight arrive
	errR := rcv.stop()
	if errS != nil || errR != nil {
		return fmt.Errorf("sender %s: %v; receiver %s: %v (%s)", c.sender, errS, c.receiver, errR, l)
	}
	if live := frame.Live(); live != 0 {
		return fmt.Errorf("%d frame handles leaked (%s)", live, l)
	}
	fmt.Println(l)
	return nil
}

func (c config) startSender(l *ledger) (side, error) {
	if c.sender == "cli" {
		return startCLISender(c, l)
	}
	return startOursSender(c, l)
}

func (c config) startReceiver(l *ledger) (side, error) {
	if c.receiver == "cli" {
		return startCLIReceiver(c, l)
	}
	return startOursReceiver(c, l)
}

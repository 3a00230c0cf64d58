// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// cliOutput is, by URL scheme, how the ffmpeg CLI sends to it (the
// container and its options) and what its receiver adds before -i.
var cliOutput = map[string]struct{ send, receive []string }{ //nolint:gochecknoglobals // read-only table
	"udp":  {[]string{"-f", "mpegts"}, nil},
	"srt":  {[]string{"-f", "mpegts"}, nil},
	"rtmp": {[]string{"-f", "flv"}, nil},
	"rtsp": {[]string{"-f", "rtsp", "-rtsp_transport", "tcp"}, []string{"-rtsp_flags", "listen"}},
}

// cliEncoder is encoding() in the CLI's words: libx264 as the ffmpeg
// backend maps VideoEncoding.Live (veryfast, zerolatency, a key frame a
// second, parameter sets with each).
func cliEncoder() []string {
	e := encoding()
	return []string{"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
		"-g", fmt.Sprint(e.KeyframeInterval), "-b:v", fmt.Sprint(e.Bitrate), "-threads", fmt.Sprint(e.Threads),
		"-x264-params", "repeat-headers=1"}
}

// cliCmd returns the ffmpeg CLI with args, killed when this program
// dies so that no ffmpeg outlives a bench.
func cliCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// cliSide is an ffmpeg CLI process and the goroutine that feeds or reads
// it.
type cliSide struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	cancel context.CancelFunc
	done   chan error // the goroutine's end
	closer io.Closer  // stdin, closed to end a sender
}

// startCLISender writes numbered raw frames at the frame rate to the
// ffmpeg CLI, which encodes them and sends them to c.sendURL.
func startCLISender(c config, l *ledger) (side, error) {
	opts, ok := cliOutput[media.Scheme(c.sendURL)]
	if !ok {
		return nil, fmt.Errorf("the CLI sender does not know %s", c.sendURL)
	}
	args := []string{"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", fmt.Sprintf("%dx%d", c.w, c.h),
		"-framerate", "30", "-i", "pipe:0"}
	args = append(append(append(args, cliEncoder()...), opts.send...), c.sendURL)
	s := &cliSide{cmd: cliCmd(args...), done: make(chan error, 1)}
	s.cmd.Stderr = &s.stderr
	stdin, err := s.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffmpeg CLI: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.closer = cancel, stdin
	go func() {
		buf := make([]byte, c.w*c.h*3/2)
		planes := [][]byte{buf[:c.w*c.h], buf[c.w*c.h : c.w*c.h*5/4], buf[c.w*c.h*5/4:]}
		strides := [4]int{c.w, c.w / 2, c.w / 2}
		var pace stage.Pacer
		for n := 0; pace.Wait(ctx, time.Duration(n)*frameDur); n++ {
			numbered(planes, strides, c.w, c.h, n)
			l.send(n)
			if _, err := stdin.Write(buf); err != nil {
				s.done <- err
				return
			}
		}
		s.done <- nil
	}()
	return s, nil
}

// startCLIReceiver runs the ffmpeg CLI receiving c.recvURL with the
// probe our ffmpeg backend gives a live input (1 s; the default, 5 s,
// holds the first frames that long) and no other flag, as ours, writing each decoded frame's luma to stdout, and
// reads the numbers from them.
func startCLIReceiver(c config, l *ledger) (side, error) {
	opts, ok := cliOutput[media.Scheme(c.recvURL)]
	if !ok {
		return nil, fmt.Errorf("the CLI receiver does not know %s", c.recvURL)
	}
	args := append([]string{"-analyzeduration", "1000000"}, opts.receive...)
	args = append(args, "-i", c.recvURL, "-map", "0:v:0", "-fps_mode", "passthrough",
		"-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")
	s := &cliSide{cmd: cliCmd(args...), done: make(chan error, 1), cancel: func() {}}
	s.cmd.Stderr = &s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffmpeg CLI: %w", err)
	}
	go func() {
		buf := make([]byte, c.w*c.h)
		for {
			if _, err := io.ReadFull(stdout, buf); err != nil {
				s.done <- nil // the CLI ended
				return
			}
			l.receive(buf, c.w)
		}
	}()
	return s, nil
}

// stop ends a sender by closing its input (the CLI finishes the stream)
// and kills it when it has not exited within stopWithin. It ends a
// receiver by SIGINT, as Ctrl-C does, and kills it a second later: a
// receiver waiting on a stream whose sender is gone may not see the
// signal (its socket read does not look). A receiver's last messages go
// to stderr, for the bench's log.
func (s *cliSide) stop() error {
	if s.closer == nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		t := time.AfterFunc(time.Second, func() { _ = s.cmd.Process.Kill() })
		<-s.done //nolint:errcheck // waited for, not read: the reads end before Wait closes the pipe, and a stopped reader's error says nothing
		_ = s.cmd.Wait()
		t.Stop()
		if msg := s.stderr.String(); msg != "" {
			fmt.Fprintf(os.Stderr, "ffmpeg CLI receiver: ...%s", msg[max(0, len(msg)-1000):])
		}
		return nil
	}
	s.cancel()
	var fed error
	select {
	case fed = <-s.done:
	case <-time.After(stopWithin):
		fed = errors.New("it stopped reading its input")
	}
	s.closer.Close() // unblocks a Write, whose error is fed's
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil || fed != nil {
			return fmt.Errorf("ffmpeg CLI: %w: %s", errors.Join(fed, err), s.stderr.String())
		}
		return nil
	case <-time.After(stopWithin):
		_ = s.cmd.Process.Kill()
		<-exited //nolint:errcheck // "signal: killed", which the error returned says
		return errors.New("ffmpeg CLI: did not stop; killed: " + s.stderr.String())
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package servers starts real media servers on 127.0.0.1 for tests — nginx
// with the RTMP module (RTMP and HLS), srt-live-transmit (an SRT relay), a
// gst-rtsp-server (RTSP RECORD and PLAY) — each on free ports, stopped when
// the test ends. A server whose program or package is missing skips the
// test, naming it. Each server can be killed and started again mid-test
// (Proc.Kill, Proc.Restart), to test reconnects.
//
// The package is for tests and benchmarks: it takes a TB everywhere, which
// a testing.TB is.
package servers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// TB is what the servers need of their caller: a testing.TB, or a
// benchmark's own that ends its run on Fatal and Skip as testing does.
type TB interface {
	Helper()
	Cleanup(func())
	TempDir() string
	Fatal(args ...any)
	Skip(args ...any)
	Skipf(format string, args ...any)
}

// startTimeout bounds how long a server may take to listen.
const startTimeout = 10 * time.Second

// Proc is a server process.
type Proc struct {
	t     TB
	name  string
	args  []string
	ready func() error // nil once the server listens

	logMu sync.Mutex
	log   *bytes.Buffer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// start runs name with args and waits until ready reports nil; the process
// is killed when the test ends.
func start(t TB, ready func() error, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{t: t, name: name, args: args, ready: ready, log: new(bytes.Buffer)}
	if err := p.run(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func (p *Proc) run() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.name, p.args...)
	cmd.Stdout, cmd.Stderr = syncWriter{p}, syncWriter{p}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("servers: start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	deadline := time.Now().Add(startTimeout)
	for {
		err := p.ready()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("servers: %s exited before it was ready (%v):\n%s", p.name, err, p.Log())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("servers: %s not ready after %v: %v\n%s", p.name, startTimeout, err, p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncWriter appends a process's output to its log under the lock.
type syncWriter struct{ p *Proc }

func (w syncWriter) Write(b []byte) (int, error) {
	w.p.logMu.Lock()
	defer w.p.logMu.Unlock()
	if w.p.log.Len() < 1<<20 {
		w.p.log.Write(b)
	}
	return len(b), nil
}

// Kill kills the server at once (SIGKILL, as a crash) and waits for it to
// exit; it does nothing when the server is not running.
func (p *Proc) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Restart starts the killed server again, on the same ports, and waits
// until it listens; it fails the test if it cannot.
func (p *Proc) Restart() {
	p.t.Helper()
	p.Kill()
	if err := p.run(); err != nil {
		p.t.Fatal(err)
	}
}

// Log returns what the server printed.
func (p *Proc) Log() string {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	return p.log.String()
}

// need skips t unless the program is on PATH (or, absolute, exists);
// why says what provides it.
func need(t TB, program, why string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		t.Skipf("%s not found (%s): the test needs this server", program, why)
	}
	return path
}

// FreeTCPPort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreeTCPPort(t TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }() // only its port was wanted
	return l.Addr().(*net.TCPAddr).Port
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that nothing is bound to now.
func FreeUDPPort(t TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }() // only its port was wanted
	return c.LocalAddr().(*net.UDPAddr).Port
}

// listensTCP reports nil once something accepts connections on port.
func listensTCP(port int) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// boundUDP reports nil once every port is bound by a UDP socket (as
// /proc/net/udp lists them): an SRT listener cannot be probed by
// connecting without becoming its caller.
func boundUDP(ports ...int) func() error {
	return func() error {
		f, err := os.Open("/proc/net/udp")
		if err != nil {
			return err
		}
		defer f.Close()
		bound := map[int]bool{}
		s := bufio.NewScanner(f)
		for s.Scan() {
			fields := strings.Fields(s.Text())
			if len(fields) < 2 {
				continue
			}
			_, hexPort, ok := strings.Cut(fields[1], ":")
			if n, err := strconv.ParseInt(hexPort, 16, 32); ok && err == nil {
				bound[int(n)] = true
			}
		}
		for _, p := range ports {
			if !bound[p] {
				return errors.New("UDP port " + strconv.Itoa(p) + " not bound yet")
			}
		}
		return nil
	}
}

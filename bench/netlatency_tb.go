// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spinorml/streamer/internal/servers"
)

// benchTB is the servers.TB of one bench run: Fatal and Skip end the run
// with a panic that withServers recovers (testing ends a test's goroutine
// the same way), and the cleanups, servers killed first, run when it ends.
type benchTB struct {
	dir      string
	cleanups []func()
}

// tbStop is what Fatal and Skip panic with.
type tbStop struct {
	skip bool
	msg  string
}

func (b *benchTB) Helper()          {}
func (b *benchTB) Cleanup(f func()) { b.cleanups = append(b.cleanups, f) }

func (b *benchTB) TempDir() string {
	d, err := os.MkdirTemp(b.dir, "server-")
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func (b *benchTB) Fatal(args ...any) { panic(tbStop{msg: fmt.Sprint(args...)}) }
func (b *benchTB) Skip(args ...any)  { panic(tbStop{skip: true, msg: fmt.Sprint(args...)}) }
func (b *benchTB) Skipf(format string, args ...any) {
	panic(tbStop{skip: true, msg: fmt.Sprintf(format, args...)})
}

// withServers runs f with a benchTB whose temporary folders are under dir,
// then its cleanups in reverse order. It returns the reason of a Skip, or
// the message of a Fatal as an error.
func withServers(dir string, f func(servers.TB)) (skipped string, err error) {
	tb := &benchTB{dir: dir}
	defer func() {
		for i := len(tb.cleanups) - 1; i >= 0; i-- {
			tb.cleanups[i]()
		}
	}()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		s, ok := r.(tbStop)
		switch {
		case !ok:
			panic(r)
		case s.skip:
			skipped = s.msg
		default:
			err = errors.New(s.msg)
		}
	}()
	f(tb)
	return "", nil
}

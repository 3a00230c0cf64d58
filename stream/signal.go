// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// StopOnSignal makes the first of sigs (os.Interrupt and SIGTERM when none
// are given) stop g gracefully (Graph.Stop), as ffmpeg's first Ctrl-C does,
// and the second one call cancel: the immediate stop. report, when not nil,
// is called with each signal and whether it cancelled. Call the returned
// release when the run has ended; after the first call, subsequent calls do
// nothing.
func StopOnSignal(g *Graph, cancel context.CancelFunc, report func(sig os.Signal, cancelled bool), sigs ...os.Signal) (release func()) {
	if len(sigs) == 0 {
		sigs = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			case sig := <-ch:
				if n == 0 {
					g.Stop()
				} else {
					cancel()
				}
				if report != nil {
					report(sig, n > 0)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			<-ended
		})
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// clockTimeNone is GST_CLOCK_TIME_NONE, which cgo cannot read.
const clockTimeNone = C.GstClockTime(^uint64(0))

// pipeline owns a GstPipeline and reads its bus in a goroutine of its own,
// so errors reach the stage goroutines without polling: the first error is
// recorded, the appsinks get an EOS (so frames produced before it still
// arrive) and the appsrcs are flushed (so a blocked push returns).
type pipeline struct {
	id       uint64 // key in pipelines
	desc     string
	el       *C.GstElement
	bus      *C.GstBus
	busState *C.streamer_bus_state // the bus's sync handler's, freed with the bus

	onEvent func(Event)
	// grace is how long an error seen inside a bin may take to reach the
	// bus before it is rescued (see childError); set before it plays.
	grace time.Duration

	mu       sync.Mutex
	err      error
	sinks    []*C.GstElement // appsinks to drain on error
	srcs     []*C.GstElement // appsrcs to unblock on error
	eos      chan struct{}
	eosOnce  sync.Once
	failed   chan struct{}
	busDone  chan struct{}
	eosSent  sync.WaitGroup // EOS injections in flight
	stopping chan struct{}  // closed by stop
	stopOnce sync.Once
	stopped  bool       // under mu: set by stop before it waits for rescue
	pending  []childErr // under mu: errors seen inside bins, oldest first
	rescuing bool       // under mu: a rescue goroutine runs
	rescues  sync.WaitGroup
}

// newPipeline parses desc into a pipeline, not yet playing, and starts its
// bus reader; onEvent, when not nil, receives every bus message.
func newPipeline(desc string, onEvent func(Event)) (*pipeline, error) {
	Init()
	if err := checkLaunch(desc); err != nil {
		return nil, err
	}
	cdesc := C.CString(desc)
	defer C.free(unsafe.Pointer(cdesc))
	var cerr *C.char
	el := C.streamer_parse(cdesc, &cerr)
	if el == nil {
		return nil, parseError(desc, goString(cerr))
	}
	p := &pipeline{
		desc: desc, el: el, bus: C.gst_element_get_bus(el), onEvent: onEvent, grace: defaultChildErrorGrace,
		eos: make(chan struct{}), failed: make(chan struct{}), busDone: make(chan struct{}), stopping: make(chan struct{}),
	}
	p.id = lastPipelineID.Add(1)
	pipelines.Store(p.id, p)
	C.streamer_tag_pipeline(el, C.guint64(p.id))
	p.busState = C.streamer_bus_setup(p.bus)
	go p.readBus()
	return p, nil
}

// element returns the named element with a reference the caller must drop
// with C.gst_object_unref, or nil.
func (p *pipeline) element(name string) *C.GstElement {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	return C.streamer_bin_get(p.el, cn)
}

func (p *pipeline) watchSink(el *C.GstElement) {
	p.mu.Lock()
	p.sinks = append(p.sinks, el)
	p.mu.Unlock()
}

func (p *pipeline) watchSrc(el *C.GstElement) {
	p.mu.Lock()
	p.srcs = append(p.srcs, el)
	p.mu.Unlock()
}

func (p *pipeline) readBus() {
	defer close(p.busDone)
	for {
		var m C.streamer_msg
		C.streamer_bus_pop(p.bus, p.el, clockTimeNone, &m)
		ev := Event{Element: goString(m.src), Message: goString(m.text), Debug: goString(m.debug)}
		switch m._type {
		case C.STREAMER_MSG_ERROR:
			ev.Kind = EventError
			p.fail(ev, m.domain_core_missing_plugin != 0)
		case C.STREAMER_MSG_WARNING:
			ev.Kind = EventWarning
		case C.STREAMER_MSG_EOS:
			ev.Kind = EventEOS
			p.eosOnce.Do(func() { close(p.eos) })
		case C.STREAMER_MSG_STATE_CHANGED:
			ev.Kind, ev.Old, ev.New = EventStateChanged, State(m.old_state), State(m.new_state)
		case C.STREAMER_MSG_WAKE:
			return
		case C.STREAMER_MSG_INFO:
			ev.Kind = EventInfo
		default:
			continue
		}
		if p.onEvent != nil {
			p.onEvent(ev)
		}
	}
}

func (p *pipeline) fail(ev Event, missingPlugin bool) {
	err := error(&Error{Element: ev.Element, Message: ev.Message, Debug: ev.Debug})
	if missingPlugin {
		err = fmt.Errorf("%w: %w", ErrMissingElement, err)
	} else if strings.Contains(ev.Debug, "not-negotiated") {
		err = p.negotiationError(err)
	}
	p.mu.Lock()
	first := p.err == nil
	if first {
		p.err = err
	}
	sinks, srcs := p.sinks, p.srcs
	p.mu.Unlock()
	if !first {
		return
	}
	close(p.failed)
	for _, s := range srcs {
		C.streamer_set_state(s, C.GST_STATE_NULL)
	}
	// EOS into each appsink's pad ends its puller after the samples it
	// holds. Sending it can wait for the streaming thread (an appsink
	// whose queue is full), so not from the bus reader; stop waits for it.
	p.eosSent.Add(len(sinks))
	for _, s := range sinks {
		go func() {
			defer p.eosSent.Done()
			C.streamer_sink_eos(s)
			// An appsink whose pad was not yet active drops the EOS (seen
			// with decodebin failing during preroll): stop the pipeline
			// after a grace, so its puller still ends.
			select {
			case <-p.stopping:
			case <-time.After(2 * time.Second):
				C.streamer_set_state(p.el, C.GST_STATE_NULL)
			}
		}()
	}
}

// ErrNotNegotiated is wrapped by errors of caps that do not negotiate.
var ErrNotNegotiated = errors.New("caps do not negotiate")

// negotiationError names both sides of every app element whose link failed.
func (p *pipeline) negotiationError(cause error) error {
	p.mu.Lock()
	sinks, srcs := p.sinks, p.srcs
	p.mu.Unlock()
	var parts []string
	for _, s := range sinks {
		parts = append(parts, fmt.Sprintf("upstream offers %s; streamer's appsink accepts %s",
			peerCaps(s, "sink"), capsProp(s)))
	}
	for _, s := range srcs {
		parts = append(parts, fmt.Sprintf("streamer's appsrc sends %s; downstream accepts %s",
			capsProp(s), peerCaps(s, "src")))
	}
	return fmt.Errorf("gst: %w in %q: %s: %w", ErrNotNegotiated, p.desc, strings.Join(parts, "; "), cause)
}

// Err returns the first error the bus reported, or nil.
func (p *pipeline) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// setState changes the state and, when GStreamer refuses, returns the bus
// error that says why.
func (p *pipeline) setState(s State) error {
	if C.streamer_set_state(p.el, C.int(s)) == C.GST_STATE_CHANGE_FAILURE {
		select {
		case <-p.failed:
		case <-time.After(time.Second):
		}
		if err := p.Err(); err != nil {
			return err
		}
		return fmt.Errorf("gst: %q refused to go to %v", p.desc, s)
	}
	return nil
}

// onCancel stops the pipeline as soon as ctx is done, which unblocks every
// pull and push; call the returned function when the stage ends.
func (p *pipeline) onCancel(ctx context.Context) func() {
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		C.streamer_set_state(p.el, C.GST_STATE_NULL)
	})
	return func() {
		if !stop() {
			<-done
		}
	}
}

// settle waits until the bus has reported the end of stream or an error,
// for at most d (a pipeline with several sinks posts EOS only when all are
// done).
func (p *pipeline) settle(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.eos:
	case <-p.failed:
	case <-t.C:
	}
}

// waitEOS waits for the end of stream on the bus, an error, or the timeout.
func (p *pipeline) waitEOS(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.eos:
		return p.Err()
	case <-p.failed:
		return p.Err()
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("gst: %q did not reach the end of stream within %v", p.desc, timeout)
	}
}

// stop sets the pipeline to NULL, ends the bus reader and drops the
// pipeline: after it, no GStreamer object of this pipeline is alive.
func (p *pipeline) stop() {
	p.stopOnce.Do(func() {
		pipelines.Delete(p.id)
		p.mu.Lock()
		p.stopped = true
		p.mu.Unlock()
		close(p.stopping)
		p.rescues.Wait()
		C.streamer_set_state(p.el, C.GST_STATE_NULL) // unblocks any EOS injection
		C.streamer_bus_wake(p.bus)
		<-p.busDone
		p.eosSent.Wait()
		p.mu.Lock()
		for _, s := range append(p.sinks, p.srcs...) {
			C.gst_object_unref(C.gpointer(s))
		}
		p.sinks, p.srcs = nil, nil
		p.mu.Unlock()
		C.gst_object_unref(C.gpointer(p.bus))
		C.gst_object_unref(C.gpointer(p.el))
	})
}

func capsProp(el *C.GstElement) string { return goString(C.streamer_caps_prop(el)) }

func peerCaps(el *C.GstElement, pad string) string {
	cp := C.CString(pad)
	defer C.free(unsafe.Pointer(cp))
	if s := goString(C.streamer_peer_caps(el, cp)); s != "" {
		return s
	}
	return "nothing (unlinked)"
}

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
	"sync/atomic"
	"time"
	"unsafe"
)

// clockTimeNone is GST_CLOCK_TIME_NONE, which cgo cannot read.
const clockTimeNone = C.GstClockTime(^uint64(0))

// State is a GStreamer element state.
type State int

const (
	StateVoidPending State = iota
	StateNull
	StateReady
	StatePaused
	StatePlaying
)

func (s State) String() string {
	switch s {
	case StateNull:
		return "NULL"
	case StateReady:
		return "READY"
	case StatePaused:
		return "PAUSED"
	case StatePlaying:
		return "PLAYING"
	}
	return "VOID_PENDING"
}

// EventKind says what a bus Event reports.
type EventKind int

const (
	EventError EventKind = iota + 1
	EventWarning
	EventEOS
	EventStateChanged
	EventInfo
)

func (k EventKind) String() string {
	return [...]string{"", "error", "warning", "eos", "state-changed", "info"}[k]
}

// Event is a message from a pipeline's bus.
type Event struct {
	Kind     EventKind
	Element  string // the element that posted it
	Message  string // errors, warnings, info
	Debug    string
	Old, New State // state changes of the pipeline itself
}

func (e Event) String() string {
	switch e.Kind {
	case EventStateChanged:
		return fmt.Sprintf("state %v -> %v", e.Old, e.New)
	case EventEOS:
		return "eos"
	}
	return fmt.Sprintf("%v from %s: %s", e.Kind, e.Element, e.Message)
}

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

// pipelines maps the id tagged on each live pipeline to it, for the
// process-wide tracer hook behind childError (GStreamer's tracing hooks
// cannot be scoped to one pipeline).
var (
	pipelines      sync.Map // uint64 -> *pipeline
	lastPipelineID atomic.Uint64
)

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
		desc: desc, el: el, bus: C.gst_element_get_bus(el), onEvent: onEvent,
		eos: make(chan struct{}), failed: make(chan struct{}), busDone: make(chan struct{}), stopping: make(chan struct{}),
	}
	p.id = lastPipelineID.Add(1)
	pipelines.Store(p.id, p)
	C.streamer_tag_pipeline(el, C.guint64(p.id))
	p.busState = C.streamer_bus_setup(p.bus)
	go p.readBus()
	return p, nil
}

// childErrorGrace is how long an error seen inside a bin may take to reach
// the bus before childError posts it there itself.
const childErrorGrace = time.Second

//export streamerChildError
func streamerChildError(id C.guint64, m *C.GstMessage) {
	v, ok := pipelines.Load(uint64(id))
	if !ok {
		C.gst_message_unref(m)
		return
	}
	v.(*pipeline).childError(m)
}

// childError runs on the streaming thread of an element inside a decodebin
// that posted error m (a reference it owns). decodebin may drop that error
// (see streamer_watch_errors); so unless the bus reports an error within
// childErrorGrace, m itself was posted on the bus, or decodebin is trying
// another element instead (streamer_rescue_wanted), m is posted on the
// pipeline's bus, where readBus handles it as any error.
func (p *pipeline) childError(m *C.GstMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		C.gst_message_unref(m)
		return
	}
	p.pending = append(p.pending, childErr{m, time.Now()})
	if !p.rescuing {
		p.rescuing = true
		p.rescues.Add(1)
		go p.rescue()
	}
}

// raiseDroppedError makes element name (inside a bin) raise an error that
// its bin drops, as decodebin may; with unparent, the bin then removes the
// element. Tests use it: the real race cannot be staged on demand.
func (p *pipeline) raiseDroppedError(name, text string, unparent bool) {
	p.childError(p.errorFrom(name, text, unparent))
}

// raiseSeenError is raiseDroppedError for an error that its bin passed on:
// it is posted on the bus too.
func (p *pipeline) raiseSeenError(name, text string) {
	m := p.errorFrom(name, text, false)
	C.gst_bus_post(p.bus, C.gst_message_ref(m))
	p.childError(m)
}

// errorFrom returns an error message from element name (see
// streamer_dropped_error).
func (p *pipeline) errorFrom(name, text string, unparent bool) *C.GstMessage {
	el := p.element(name)
	if el == nil {
		panic("gst: no element " + name)
	}
	defer C.gst_object_unref(C.gpointer(el))
	ct := C.CString(text)
	defer C.free(unsafe.Pointer(ct))
	un := C.gboolean(0)
	if unparent {
		un = 1
	}
	return C.streamer_dropped_error(el, ct, un)
}

// childErr is an error message seen inside a bin, and when.
type childErr struct {
	m  *C.GstMessage
	at time.Time
}

// rescue posts the pending child errors the bus did not report, in the
// order they were raised, and ends when none is left.
func (p *pipeline) rescue() {
	defer p.rescues.Done()
	for {
		p.mu.Lock()
		if len(p.pending) == 0 {
			p.rescuing = false
			p.mu.Unlock()
			return
		}
		e := p.pending[0]
		p.pending = p.pending[1:]
		p.mu.Unlock()
		t := time.NewTimer(time.Until(e.at.Add(childErrorGrace)))
		select {
		case <-p.failed:
		case <-p.stopping:
		case <-t.C:
			if C.streamer_rescue_wanted(p.busState, e.m) != 0 {
				C.gst_bus_post(p.bus, e.m) // takes the reference
				e.m = nil
			}
		}
		t.Stop()
		if e.m != nil {
			C.gst_message_unref(e.m)
		}
	}
}

// checkLaunch refuses the descriptions that make GStreamer 1.22 recurse
// until its stack overflows, and those that could bind to the guard that
// streamer_parse puts first (GStreamer calls them syntax errors too).
func checkLaunch(desc string) error {
	if strings.IndexByte(desc, 0) >= 0 {
		// C sees only what comes before it, which the checks below would not.
		return fmt.Errorf("gst: invalid launch description %q: it contains a NUL byte", desc)
	}
	s := scanLaunch(desc)
	if at, loop := s.loop(); loop {
		return fmt.Errorf("gst: invalid launch description %q: its links loop back through %s (GStreamer would recurse until its stack overflows)", desc, at)
	}
	if tok, bad := s.badStart(); bad {
		return fmt.Errorf("gst: invalid launch description %q: syntax error: it starts with %q, not an element, a reference or a bin", desc, tok)
	}
	return nil
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
		case 1:
			ev.Kind = EventError
			p.fail(ev, m.domain_core_missing_plugin != 0)
		case 2:
			ev.Kind = EventWarning
		case 3:
			ev.Kind = EventEOS
			p.eosOnce.Do(func() { close(p.eos) })
		case 4:
			ev.Kind, ev.Old, ev.New = EventStateChanged, State(m.old_state), State(m.new_state)
		case 5:
			return
		case 6:
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

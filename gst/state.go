// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
*/
import "C"

import "fmt"

// State is a GStreamer element state.
type State int

// The states, as GStreamer numbers them.
const (
	StateVoidPending State = iota
	StateNull
	StateReady
	StatePaused
	StatePlaying
)

// String returns GStreamer's name of the state ("PLAYING").
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

// Compile-time checks that State mirrors GstState: an index out of range
// here means a value drifted.
var (
	_ = [1]int{}[StateVoidPending-C.GST_STATE_VOID_PENDING]
	_ = [1]int{}[StateNull-C.GST_STATE_NULL]
	_ = [1]int{}[StateReady-C.GST_STATE_READY]
	_ = [1]int{}[StatePaused-C.GST_STATE_PAUSED]
	_ = [1]int{}[StatePlaying-C.GST_STATE_PLAYING]
)

// EventKind says what a bus Event reports.
type EventKind int

// The kinds of bus event.
const (
	EventError EventKind = iota + 1
	EventWarning
	EventEOS
	EventStateChanged
	EventInfo
)

// String returns the kind's name ("state-changed").
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

// String describes the event on one line.
func (e Event) String() string {
	switch e.Kind {
	case EventStateChanged:
		return fmt.Sprintf("state %v -> %v", e.Old, e.New)
	case EventEOS:
		return "eos"
	}
	return fmt.Sprintf("%v from %s: %s", e.Kind, e.Element, e.Message)
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
)

// An error from an element that does not stop the stream (here, injected
// while a live source keeps going) still ends the puller: after the frames
// it holds, with the error.
func TestBusErrorEndsAPullerWhileUpstreamRuns(t *testing.T) {
	p, err := newPipeline("videotestsrc is-live=true ! video/x-raw,width=64,height=48 ! appsink name=s", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	pl, err := newPuller[frame.Video](p, "s", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.close()
	if err := p.setState(StatePlaying); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(200 * time.Millisecond); p.fail(Event{Element: "x", Message: "injected"}, false) }()
	n := 0
	t0 := time.Now()
	for {
		v, ok, err := pl.pull(context.Background())
		if !ok {
			t.Logf("ended after %d frames, %v: %v", n, time.Since(t0), err)
			if err == nil || err.Error() != "gst: x: injected" || n == 0 {
				t.Fatalf("after %d frames: %v", n, err)
			}
			break
		}
		v.Release()
		n++
		if time.Since(t0) > 3*time.Second {
			t.Fatal("no end")
		}
	}
}

// testGrace shortens a pipeline's grace for rescued errors in the tests
// that wait it out.
const testGrace = 200 * time.Millisecond

// An error decodebin drops (that of an element it is still starting)
// reaches the bus after the pipeline's grace and ends the pipeline, unless
// decodebin took the element out to try another. decodebin's own typefind
// element stands in for the element.
func TestDroppedChildErrorIsRescued(t *testing.T) {
	for _, unparent := range []bool{false, true} {
		p, err := newPipeline("videotestsrc is-live=true ! decodebin ! fakesink", nil)
		if err != nil {
			t.Fatal(err)
		}
		p.grace = testGrace
		if !unparent { // taking a playing element out would fail the stream
			if err := p.setState(StatePlaying); err != nil {
				t.Fatal(err)
			}
		}
		t0 := time.Now()
		p.raiseDroppedError("typefind", "lost in a bin", unparent)
		p.settle(2 * p.grace)
		err = p.Err()
		t.Logf("unparent=%v: after %v: %v", unparent, time.Since(t0).Round(time.Millisecond), err)
		if unparent && err != nil {
			t.Errorf("an element its bin removed failed the pipeline: %v", err)
		}
		if !unparent && (err == nil || err.Error() != "gst: typefind: lost in a bin (dropped by its bin)") {
			t.Errorf("dropped error not rescued: %v", err)
		}
		p.stop()
	}
}

// A child error that also reaches the bus is reported once, and stop does
// not wait out the grace.
func TestChildErrorOnBusIsNotRepeated(t *testing.T) {
	var events []Event
	p, err := newPipeline("videotestsrc is-live=true ! decodebin ! fakesink", func(e Event) {
		if e.Kind == EventError {
			events = append(events, e)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.setState(StatePlaying); err != nil {
		t.Fatal(err)
	}
	p.raiseDroppedError("typefind", "seen twice", false)
	p.fail(Event{Element: "typefind", Message: "seen twice"}, false) // as if the bus had it
	t0 := time.Now()
	p.stop()
	if d := time.Since(t0); d > p.grace/2 {
		t.Errorf("stop took %v", d)
	}
	if len(events) != 0 {
		t.Errorf("error repeated on the bus: %v", events)
	}
}

// A GPU context one pipeline's element made is given to an element of
// another pipeline that asks for one of its type: GPU frames can then cross
// between stages. Other types are left to GStreamer.
func TestGPUContextsAreSharedBetweenPipelines(t *testing.T) {
	a, err := newPipeline("fakesrc name=maker ! fakesink", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.stop()
	b, err := newPipeline("fakesrc name=user ! fakesink", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.stop()
	const cuda = "gst.cuda.context"
	a.offerContext("maker", cuda, 7)
	a.offerContext("maker", cuda, 7) // the same device again: kept once
	if got := b.askContext("user", cuda); got != 7 {
		t.Errorf("asking for %s: got device %d, want 7", cuda, got)
	}
	a.offerContext("maker", "streamer.test.unshared", 3)
	if got := b.askContext("user", "streamer.test.unshared"); got != -1 {
		t.Errorf("an unshared context type was shared: device %d", got)
	}
}

// An error that reached the bus is not posted again, even when the bus
// reader is slow to get to it (an OnEvent that takes longer than the
// rescue's grace).
func TestErrorOnABusBehindIsNotRescuedTwice(t *testing.T) {
	var mu sync.Mutex
	var errs int
	first := true
	p, err := newPipeline("videotestsrc is-live=true ! decodebin ! fakesink", func(e Event) {
		mu.Lock()
		slow := first
		first = false
		if e.Kind == EventError {
			errs++
		}
		mu.Unlock()
		if slow {
			time.Sleep(testGrace * 3 / 2)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	p.grace = testGrace
	if err := p.setState(StatePlaying); err != nil {
		t.Fatal(err)
	}
	p.raiseSeenError("typefind", "on the bus, and late")
	p.settle(3 * p.grace)
	p.stop() // it waits for the bus reader, past its OnEvent for the error
	mu.Lock()
	defer mu.Unlock()
	if errs != 1 {
		t.Errorf("%d error events, want 1", errs)
	}
}

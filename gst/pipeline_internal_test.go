// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"
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

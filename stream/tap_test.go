// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// Links names each pipe's ends and kind; a failed stage's Metrics keep its
// error, and Dot marks it.
func TestLinksAndTheErrorOfAFailedStage(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	src := stream.AddSource(g, "src", pattern(0), stream.Capacity(3))
	mid := stream.AddTransform(g, "fails", src, failAt(20))
	stream.AddSink(g, "sink", mid, &stage.Null[V]{})
	if err := g.Run(context.Background()); !errors.Is(err, errBoom) {
		t.Fatalf("Run: %v", err)
	}
	ls := g.Links()
	if len(ls) != 2 || ls[0].From != "src" || ls[0].To != "fails" || ls[1].From != "fails" || ls[1].To != "sink" ||
		ls[0].Kind != "video" || ls[0].Capacity != 3 || ls[0].ID != 0 || ls[1].ID != 1 || ls[0].Sent < 20 {
		t.Fatalf("Links = %+v", ls)
	}
	for _, m := range g.Metrics() {
		if (m.Err != nil) != (m.Stage == "fails") || m.Err != nil && !errors.Is(m.Err, errBoom) {
			t.Errorf("%s: %v, Err %v", m.Stage, m.State, m.Err)
		}
	}
	dot := g.Dot()
	for _, want := range []string{`id="stage-1", fillcolor=salmon`, `frame 20: boom`, `id="link-1"`} {
		if !strings.Contains(dot, want) {
			t.Errorf("Dot lacks %q:\n%s", want, dot)
		}
	}
}

// A tap on a running pipe sees its frames without changing what the sink
// gets; TapPipe checks the pipe's number and type.
func TestTapPipe(t *testing.T) {
	noLeaks(t)
	g := stream.New()
	src := stream.AddSource(g, "src", pattern(200))
	sink := &stage.Collect[V]{}
	defer sink.Release()
	var tap *stage.Tap[V]
	first := true
	pass := stage.Map(func(_ context.Context, v V) (V, error) {
		if first { // look at the pipe into the sink from now on
			first = false
			t, err := stream.TapPipe[V](g, 1)
			if err != nil {
				return v, err
			}
			tap = t
		}
		return v, nil
	})
	out := stream.AddTransform(g, "pass", src, pass)
	stream.AddSink(g, "sink", out, sink)
	if _, err := stream.TapPipe[frame.Audio](g, 1); err == nil || !strings.Contains(err.Error(), "carries video, not audio") {
		t.Errorf("TapPipe of the wrong type: %v", err)
	}
	if _, err := stream.TapPipe[V](g, 7); err == nil {
		t.Error("TapPipe of no pipe: no error")
	}
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	v, err := tap.Next(context.Background())
	if err != nil || v.Data == nil {
		t.Fatalf("Next: %v, %v", v, err)
	}
	v.Release()
	if tap.Offered() == 0 || len(sink.Frames()) != 200 {
		t.Fatalf("tap offered %d, sink got %d of 200", tap.Offered(), len(sink.Frames()))
	}
	tap.Close()
	direct := out.Tap()
	direct.Close()
}

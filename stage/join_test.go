// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spinorml/streamer/stage"
)

type result struct {
	key  time.Duration
	live *int
}

func (r *result) Retain()  { *r.live++ }
func (r *result) Release() { *r.live-- }

// Join matches by key, merges frames without a result with ok false, and
// releases results whose frame is gone.
func TestJoinMatchesByKey(t *testing.T) {
	live := 0
	as := stage.NewLink[time.Duration](stage.LinkConfig{Capacity: 16})
	bs := stage.NewLink[*result](stage.LinkConfig{Capacity: 16})
	out := stage.NewLink[string](stage.LinkConfig{Capacity: 16})
	for i := range 6 {
		as.Out().Send(time.Duration(i))
	}
	for _, k := range []time.Duration{0, 2, 3, 3, 5, 9} { // 3 twice: the second has no frame left
		live++
		bs.Out().Send(&result{key: k, live: &live})
	}
	as.CloseSend()
	bs.CloseSend()
	j := stage.Join[time.Duration, *result, string]{
		KeyA: func(a time.Duration) time.Duration { return a },
		KeyB: func(b *result) time.Duration { return b.key },
		Merge: func(a time.Duration, b *result, ok bool) string {
			if !ok {
				return "-"
			}
			b.Release()
			return "+"
		},
	}
	if err := j.Run(context.Background(), as.In(), bs.In(), out.Out()); err != nil {
		t.Fatal(err)
	}
	out.CloseSend()
	got := ""
	for s := range out.In().All() {
		got += s
	}
	bs.Drain() // as the runner does: what the join left
	if got != "+-++-+" {
		t.Errorf("joined %q, want +-++-+ (frames 1 and 4 have no result)", got)
	}
	if live != 0 {
		t.Errorf("%d results not released", live)
	}
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"time"
)

// Join puts per-frame results back onto the frames they came from, by
// time: the shape of analysis beside media (frames teed to a detector,
// its detections joined back onto the frames for drawing or recording).
//
// Both inputs come in time order. For each a it takes the b whose key is
// equal (ok true); an a with no result — the analysis skipped its frame,
// or ended — is merged with the zero B and ok false; a b with no a is
// released. merge owns a and b: it returns them inside its output, or
// releases what it does not keep.
type Join[A, B, O any] struct {
	KeyA  func(A) time.Duration
	KeyB  func(B) time.Duration
	Merge func(a A, b B, ok bool) O
}

// Name returns "join".
func (Join[A, B, O]) Name() string { return "join" }

// Run joins until as ends; results left after it are released.
func (j Join[A, B, O]) Run(ctx context.Context, as In[A], bs In[B], out Out[O]) error {
	releaseB := OpsOf[B]().release
	var next B
	have, more := false, true
	for a := range as.All() {
		key := j.KeyA(a)
		// Skip results older than a: their frames are gone.
		for more && (!have || j.KeyB(next) < key) {
			if have {
				releaseB(next)
			}
			next, more = bs.Recv()
			have = more
		}
		var o O
		if have && j.KeyB(next) == key {
			o = j.Merge(a, next, true)
			var zero B
			next, have = zero, false
		} else {
			var zero B
			o = j.Merge(a, zero, false)
		}
		if !out.Send(o) {
			break
		}
	}
	if have {
		releaseB(next)
	}
	return ctx.Err()
}

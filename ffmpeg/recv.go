// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"context"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// recv returns the next frame of in, as in.Recv does, and false also when
// ctx is done (a frame received then is released): a stage's Run loops
// until false, then tells the end of input from a cancel with ctx.Err().
func recv[T frame.Frame](ctx context.Context, in stage.In[T]) (T, bool) {
	v, ok := in.Recv()
	if ok && ctx.Err() != nil {
		v.Release()
		var none T
		return none, false
	}
	return v, ok
}

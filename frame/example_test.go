// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame_test

import (
	"context"
	"fmt"
	"time"

	"github.com/spinorml/streamer/frame"
)

// A frame made from CPU bytes: the handle owns one reference, Planes gives
// the same bytes back without copying, and Release frees it.
func ExampleNewBytes() {
	y := make([]byte, 4*2)
	u, v := []byte{128, 128}, []byte{128, 128}
	f := frame.Video{
		Data:    frame.NewBytes(y, u, v),
		Format:  frame.I420,
		Width:   4,
		Height:  2,
		Strides: [4]int{4, 2, 2},
		PTS:     40 * time.Millisecond,
	}
	planes, _ := f.Planes(context.Background())
	fmt.Println(f, "planes:", len(planes), "bytes:", f.Size())
	f.Release()
	fmt.Println("live handles:", frame.Live())
	// Output:
	// video I420 4x2 pts=40ms key=false planes: 3 bytes: 12
	// live handles: 0
}

// A backend's handle keeps a RefCount and frees its native memory when Dec
// reports the last reference.
func ExampleRefCount() {
	type native struct {
		ref  frame.RefCount
		name string
	}
	n := &native{name: "buffer"}
	n.ref.Init()
	n.ref.Inc()
	fmt.Println(n.ref.Dec(), n.ref.Dec()) // the second Dec is the last
	// Output: false true
}

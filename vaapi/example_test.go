// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi_test

import (
	"context"
	"fmt"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/vaapi"
)

// List the VA-API devices and what each can do.
func ExampleDevices() {
	devs, err := vaapi.Devices()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range devs {
		if d.Err != nil {
			fmt.Println(d.Path, d.Err)
			continue
		}
		fmt.Println(d.Path, d.Vendor)
		fmt.Println(d.Caps)
	}
}

// Decode on the GPU where one can, on the CPU where not: the same program
// runs on both kinds of machine.
func ExampleVideoDecoder() {
	ctx := context.Background()
	dec, err := vaapi.VideoDecoder(vaapi.DecoderConfig{Codec: frame.H264})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("hardware:", dec.Hardware, "element:", dec.Element, "why not:", dec.Why)
	src := gst.NewSource[frame.Video]("videotestsrc num-buffers=30 ! x264enc ! h264parse config-interval=-1")
	sink := &stage.Null[frame.Video]{}
	if err := stream.Connect(src, stream.Via(dec.Transform), sink).Run(ctx); err != nil {
		fmt.Println(err)
	}
}

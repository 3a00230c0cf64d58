// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"fmt"
	"sync"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// muxItem is a frame from one input, or the end of that input.
type muxItem struct {
	audio bool
	end   bool
	v     frame.Video
	a     frame.Audio
}

func (it muxItem) release() {
	if it.audio {
		it.a.Release()
	} else {
		it.v.Release()
	}
}

// muxInputs reads the connected inputs of a Mux, each in its own goroutine,
// into one channel, so that Run takes frames in the order they arrive.
type muxInputs struct {
	// items is unbuffered: once done is closed, no item can slip into a
	// buffer that nobody drains any more.
	items chan muxItem
	done  chan struct{}
	wg    sync.WaitGroup
	n     int // inputs connected
	ended int // inputs whose end Run took
}

// startMuxInputs starts reading video and audio; a zero stage.In is not
// connected and not read.
func startMuxInputs(video stage.In[frame.Video], audio stage.In[frame.Audio]) *muxInputs {
	in := &muxInputs{items: make(chan muxItem), done: make(chan struct{})}
	if video != (stage.In[frame.Video]{}) {
		in.n++
		in.wg.Go(func() {
			for v := range video.All() {
				in.forward(muxItem{v: v})
			}
			in.forward(muxItem{end: true})
		})
	}
	if audio != (stage.In[frame.Audio]{}) {
		in.n++
		in.wg.Go(func() {
			for a := range audio.All() {
				in.forward(muxItem{audio: true, a: a})
			}
			in.forward(muxItem{audio: true, end: true})
		})
	}
	return in
}

// forward hands it to Run, or releases it once Run stopped taking items.
func (in *muxInputs) forward(it muxItem) {
	select {
	case in.items <- it:
	case <-in.done:
		it.release()
	}
}

// stop ends the forwarding and releases the frames already forwarded.
// With wait it also waits for the readers; without, readers still blocked
// in Recv end when their writers do.
func (in *muxInputs) stop(wait bool) {
	close(in.done)
	for {
		select {
		case it := <-in.items:
			if !it.end {
				it.release()
			}
		default:
			if wait {
				in.wg.Wait()
			}
			return
		}
	}
}

// muxHead is what the header is written from: the description of each
// input's first frame (nil for an input not connected or ended before its
// first frame) and the frames taken while waiting for them.
type muxHead struct {
	v, a       *frame.Codec
	firstVideo frame.Video // its bytes, for parameter sets in-band only
	pending    []muxItem
}

// release releases the frames still pending.
func (h *muxHead) release() {
	for _, it := range h.pending {
		it.release()
	}
	h.pending = nil
}

// awaitFirst takes items into h until every input sent its first frame or
// ended; past maxWait frames held it fails naming the input still missing.
func (m *Mux) awaitFirst(in *muxInputs, h *muxHead, seenV, seenA bool) error {
	maxWait := m.MaxWait
	if maxWait <= 0 {
		maxWait = 512
	}
	for !(seenV && seenA) {
		it := <-in.items
		switch {
		case it.end:
			in.ended++
			if it.audio {
				seenA = true
			} else {
				seenV = true
			}
			continue
		case it.audio && !seenA:
			seenA = true
			if h.a = it.a.Codec; h.a == nil {
				h.a = &frame.Codec{Format: it.a.Format, SampleRate: it.a.Rate, Channels: it.a.Channels}
			}
		case !it.audio && !seenV:
			seenV = true
			h.firstVideo = it.v
			if h.v = it.v.Codec; h.v == nil {
				h.v = &frame.Codec{Format: it.v.Format, Width: it.v.Width, Height: it.v.Height}
			}
		}
		h.pending = append(h.pending, it)
		if len(h.pending) > maxWait {
			missing := "video"
			if seenV {
				missing = "audio"
			}
			return fmt.Errorf("ffmpeg: mux %q: no %s frame after %d frames of the other input", m.URL, missing, maxWait)
		}
	}
	return nil
}

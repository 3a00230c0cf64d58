// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame

import (
	"context"
	"fmt"
	"time"
)

// Video is one video frame, raw or encoded. It is a small value: copying it
// copies the handle, not the pixels, and does not add an owner (see Data).
type Video struct {
	Data          Data   // the bytes; nil only in the zero Video
	Format        Format // I420, NV12, ... or H264, VP9, ...
	Width, Height int
	// Strides are the bytes per row of each plane of a raw frame. Planes
	// starts each plane at its own offset, so no offsets are needed here.
	Strides  [4]int
	Codec    *Codec // encoded frames: the stream's description, shared
	PTS      time.Duration
	DTS      time.Duration // encoded frames with reordering; else equal to PTS
	Duration time.Duration
	Keyframe bool // raw frames: always true; encoded: decodable on its own
	// Meta is a slot for application data that travels with the frame. It
	// is shared, not copied, by Tee and Retain: store immutable values.
	Meta any
}

// Retain adds one owner to v's data (no-op for a zero Video).
func (v Video) Retain() {
	if v.Data != nil {
		v.Data.Retain()
	}
}

// Release drops one owner of v's data (no-op for a zero Video).
func (v Video) Release() {
	if v.Data != nil {
		v.Data.Release()
	}
}

// Size returns the bytes of v's data (0 for a zero Video); see Data.Size.
func (v Video) Size() int {
	if v.Data == nil {
		return 0
	}
	return v.Data.Size()
}

// Span returns when v is shown: from its PTS to PTS + Duration. A graceful
// stop (stream.Graph.Stop) ends its sources' streams at a common end.
func (v Video) Span() (start, end time.Duration) { return v.PTS, v.PTS + v.Duration }

// Planes returns CPU views of v's planes; see Data.Planes.
func (v Video) Planes(ctx context.Context) ([][]byte, error) {
	if v.Data == nil {
		return nil, fmt.Errorf("frame: video frame has no data")
	}
	return v.Data.Planes(ctx)
}

func (v Video) String() string {
	return fmt.Sprintf("video %v %dx%d pts=%v key=%v", v.Format, v.Width, v.Height, v.PTS, v.Keyframe)
}

// Audio is one buffer of audio samples, raw or encoded.
type Audio struct {
	Data     Data
	Format   Format // S16, F32P, ... or Opus, AAC
	Rate     int    // samples per second per channel
	Channels int
	Samples  int    // samples per channel in this frame
	Codec    *Codec // encoded frames: the stream's description, shared
	PTS      time.Duration
	DTS      time.Duration
	Duration time.Duration
	Keyframe bool
	Meta     any // see Video.Meta
}

// Retain adds one owner to a's data (no-op for a zero Audio).
func (a Audio) Retain() {
	if a.Data != nil {
		a.Data.Retain()
	}
}

// Release drops one owner of a's data (no-op for a zero Audio).
func (a Audio) Release() {
	if a.Data != nil {
		a.Data.Release()
	}
}

// Size returns the bytes of a's data (0 for a zero Audio); see Data.Size.
func (a Audio) Size() int {
	if a.Data == nil {
		return 0
	}
	return a.Data.Size()
}

// Span returns when a plays: from its PTS to PTS + Duration.
func (a Audio) Span() (start, end time.Duration) { return a.PTS, a.PTS + a.Duration }

// Planes returns CPU views of a's planes; see Data.Planes.
func (a Audio) Planes(ctx context.Context) ([][]byte, error) {
	if a.Data == nil {
		return nil, fmt.Errorf("frame: audio frame has no data")
	}
	return a.Data.Planes(ctx)
}

func (a Audio) String() string {
	return fmt.Sprintf("audio %v %dHz %dch %d samples pts=%v", a.Format, a.Rate, a.Channels, a.Samples, a.PTS)
}

// Frame is the set of frame types that travel on links. Stages, links and
// graphs are generic over it, so a chan of Video and a chan of Audio are both
// typed at compile time.
type Frame interface {
	Video | Audio
	Retain()
	Release()
	Size() int
	Span() (start, end time.Duration)
}

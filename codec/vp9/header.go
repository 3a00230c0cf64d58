// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vp9

import (
	"errors"
	"fmt"

	"github.com/spinorml/streamer/codec/bits"
)

// Fields of the uncompressed header (VP9 bitstream specification 6.2).
const (
	frameMarker = 2        // the two bits every frame starts with
	syncCode    = 0x498342 // the 24 bits a key frame's header carries
	csRGB       = 7        // color_space of RGB, which has no color_range
)

// KeyframeSize reads the uncompressed header of the VP9 frame b: whether it
// is a key frame and, when it is, the picture size in pixels. A frame that
// shows an existing one, or an inter frame, gives false and a zero size. It
// returns an error when b has no frame marker, a key frame lacks its sync
// code, or the header is truncated.
func KeyframeSize(b []byte) (key bool, width, height int, err error) {
	r := bits.NewReader(b)
	if r.Bits(2) != frameMarker {
		return false, 0, 0, errors.New("vp9: no frame marker")
	}
	profile := r.Bit() | r.Bit()<<1
	if profile == 3 {
		r.Skip(1) // reserved_zero
	}
	if r.Bit() == 1 { // show_existing_frame
		return false, 0, 0, r.Err()
	}
	if r.Bit() != 0 { // frame_type: 0 is a key frame
		return false, 0, 0, r.Err()
	}
	r.Skip(2) // show_frame, error_resilient_mode
	if r.Bits(24) != syncCode {
		return false, 0, 0, errors.New("vp9: key frame without its sync code")
	}
	skipColorConfig(r, profile)
	width, height = int(r.Bits(16))+1, int(r.Bits(16))+1
	if err := r.Err(); err != nil {
		return false, 0, 0, fmt.Errorf("vp9: %w", err)
	}
	return true, width, height, nil
}

// skipColorConfig reads color_config (6.2.2) of a frame of profile.
func skipColorConfig(r *bits.Reader, profile uint) {
	if profile >= 2 {
		r.Skip(1) // ten_or_twelve_bit
	}
	if r.Bits(3) != csRGB {
		r.Skip(1) // color_range
		if profile == 1 || profile == 3 {
			r.Skip(3) // subsampling_x, subsampling_y, reserved_zero
		}
	} else if profile == 1 || profile == 3 {
		r.Skip(1) // reserved_zero
	}
}

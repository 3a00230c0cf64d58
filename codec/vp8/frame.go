// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vp8

import "encoding/binary"

// keyframeStartCode is the start code of a key frame's header, after the
// three-byte frame tag (RFC 6386 9.1).
const keyframeStartCode = "\x9d\x01\x2a"

// KeyframeSize reads the frame tag of the VP8 frame b: whether it is a key
// frame and, when it is, the picture size in pixels (the horizontal and
// vertical scale bits are dropped). An inter frame, or b too short for a
// key frame header or without its start code, gives false and a zero size.
func KeyframeSize(b []byte) (key bool, width, height int) {
	if len(b) < 10 || b[0]&1 != 0 || string(b[3:6]) != keyframeStartCode {
		return false, 0, 0
	}
	return true, int(binary.LittleEndian.Uint16(b[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(b[8:]) & 0x3fff)
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
)

// codecState is what an encoder run and a decoder run both hold: the codec
// context, the stream it makes or reads, and the converters around it.
type codecState struct {
	cc    *astiav.CodecContext
	c     *C.AVCodecContext // cc's C struct
	name  string            // the FFmpeg codec's name, for errors
	tb    frame.Rational
	codec *frame.Codec
	sws   swsCache
	conv  audioFrames
}

// close frees what s holds; each part may be missing.
func (s *codecState) close() {
	if s.cc != nil {
		s.cc.Free()
	}
	s.sws.free()
	s.conv.free()
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
)

// codecParams is FFmpeg's full description of a stream (pixel format,
// profile, colour, codecs without a streamer Format such as mpeg4 or
// pcm_s32le, ...), carried in frame.Codec.Native so that a Decoder or Mux
// given a frame of an ffmpeg Demux or Encoder starts from an exact copy.
// It is Go memory — the AVCodecParameters struct's bytes and copies of
// what its pointers point at — so it lives exactly as long as the Codec,
// and no C memory waits for the garbage collector.
type codecParams struct {
	id    astiav.CodecID
	raw   []byte // the struct; its pointers are replaced by restore
	extra []byte // extradata
	chmap []byte // a custom channel layout's map
}

// rememberParams stores a copy of par in c.Native and frees par.
func rememberParams(c *frame.Codec, par *C.AVCodecParameters) {
	p := &codecParams{
		id:  astiav.CodecID(par.codec_id),
		raw: C.GoBytes(unsafe.Pointer(par), C.int(C.sm_params_size())),
	}
	if par.extradata_size > 0 && par.extradata != nil {
		p.extra = C.GoBytes(unsafe.Pointer(par.extradata), par.extradata_size)
	}
	if n := C.sm_params_map_size(par); n > 0 {
		p.chmap = C.GoBytes(C.sm_params_map(par), n)
	}
	C.avcodec_parameters_free(&par)
	c.Native = p
}

// paramsOf returns a new AVCodecParameters made from what c carries, or
// nil when it carries none (it did not come from this package) or memory
// ran out. The caller frees it with avcodec_parameters_free.
func paramsOf(c *frame.Codec) *C.AVCodecParameters {
	p, ok := c.Native.(*codecParams)
	if !ok {
		return nil
	}
	var extra *C.uint8_t
	if len(p.extra) > 0 {
		extra = (*C.uint8_t)(unsafe.Pointer(&p.extra[0]))
	}
	var chmap unsafe.Pointer
	if len(p.chmap) > 0 {
		chmap = unsafe.Pointer(&p.chmap[0])
	}
	return C.sm_params_restore(unsafe.Pointer(&p.raw[0]), extra, C.int(len(p.extra)), chmap, C.int(len(p.chmap)))
}

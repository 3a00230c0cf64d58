// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

// This file holds what exists only for the package's tests: _test.go files
// cannot use cgo, so the C views they need are declared here.

/*
#include "shim.h"
*/
import "C"

import "unsafe"

// cAVPacket lets tests reach a packet's data pointer.
type cAVPacket C.AVPacket

func (p *cAVPacket) dataPtr() unsafe.Pointer { return unsafe.Pointer(p.data) }

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// The C side of package gst, one header per concern; Go files include this
// one. Per-frame objects (buffers, samples, caps) and the bus are handled
// through raw pointers with explicit references, never through go-gst's
// finalizer-owned wrappers (see PITFALLS.md).

#ifndef STREAMER_GST_SHIM_H
#define STREAMER_GST_SHIM_H

#include "buffer.h"
#include "launch.h"
#include "bus.h"
#include "rescue.h"
#include "gpucontext.h"
#include "media.h"
#include "hooks.h"

#endif

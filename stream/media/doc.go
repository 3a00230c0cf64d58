// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package media describes media jobs in the library's own words — open an
// input, write an output, encode, decode, scale, resample — so that
// application code names no codec library and no vendor. Backends register
// implementations, as database/sql drivers do; a blank import enables one:
//
//	import (
//		"github.com/spinorml/streamer/stream/media"
//		_ "github.com/spinorml/streamer/ffmpeg" // and/or gst, vaapi, ...
//	)
//
//	enc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Rate: media.CRF, Quality: 23})
//
// Every description is checked when its stage is built (Validate), not
// first inside Run. Each job is offered to the registered backends in
// order — those the caller prefers, then hardware, then software — and
// the first that accepts builds it. When none does, the error satisfies
// errors.Is(err, ErrUnsupported) and lists every candidate with its reason.
//
// Field names and units are the same for every backend: bit rates in bits
// per second, key-frame intervals in frames, sizes in pixels, rates in Hz.
// Backends keep their native configurations (element properties,
// AVOptions) for what only they can do.
//
// The package is pure Go; it imports no backend.
package media

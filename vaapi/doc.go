// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package vaapi will be the hardware backend of streamer: VAAPI decode,
// encode and scaling with frames kept as GPU surfaces, and V4L2 capture. It
// is not written yet (issue #6).
//
// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
package vaapi

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package vp9 reads what a receiver needs from a VP9 frame without decoding
// it: whether it is a key frame and, when it is, the picture size (VP9
// bitstream specification 6.2, the uncompressed header). It never panics on
// any input and is fuzzed. The package is pure Go and builds with
// CGO_ENABLED=0.
package vp9

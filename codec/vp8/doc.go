// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package vp8 reads what a receiver needs from a VP8 frame without decoding
// it: whether it is a key frame and, when it is, the picture size (RFC 6386
// 9.1). It never panics on any input and is fuzzed. The package is pure Go
// and builds with CGO_ENABLED=0.
package vp8

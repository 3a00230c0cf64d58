// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package h265 reads H.265 (ITU-T H.265, HEVC) bitstream structures that
// muxers need without decoding: NAL unit types, the parameter sets of an
// access unit, and whether extradata is an hvcC record. The framings (Annex
// B, length-prefixed) and RBSP unescaping, shared with H.264, are in package
// nal.
//
// The functions never panic on any input and are fuzzed. The package is
// pure Go and builds with CGO_ENABLED=0.
package h265

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package h264 reads H.264 (ITU-T H.264, MPEG-4 AVC) bitstream structures
// that muxers, packetisers and receivers need without decoding: NAL unit
// types, the parameter sets of an access unit, the avcC configuration record
// of MP4-style streams, and the profile, level and picture size of a
// sequence parameter set. The framings (Annex B, length-prefixed) and RBSP
// unescaping, shared with H.265, are in package nal.
//
// The parsers take outside input: they never panic, return an error naming
// what is wrong, and are fuzzed. The package is pure Go and builds with
// CGO_ENABLED=0.
package h264

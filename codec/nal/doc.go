// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package nal reads and writes the two framings that carry the NAL units of
// H.264 and H.265 streams, which both codecs share: Annex B byte streams
// (units behind 00 00 01 or 00 00 00 01 start codes, as MPEG-TS, RTP
// depacketisers and most encoders give) and length-prefixed units (each
// behind a big-endian size, as MP4's avcC and hvcC streams give). It also
// removes emulation prevention bytes, turning a unit's payload into the RBSP
// that a parameter set parser reads.
//
// The functions never panic on any input and return sub-slices of their
// input where they can; they are fuzzed. The package is pure Go and builds
// with CGO_ENABLED=0.
package nal

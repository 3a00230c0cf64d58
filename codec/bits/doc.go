// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package bits reads the bit fields of codec headers: fixed-width fields,
// most significant bit first, and the Exp-Golomb codes of H.264 and H.265
// parameter sets. A read past the end, or an Exp-Golomb code too long to
// hold, returns 0 and sets an error that sticks, so a parser reads a whole
// header and checks Err once.
//
// The package is pure Go and builds with CGO_ENABLED=0.
package bits

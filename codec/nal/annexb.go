// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package nal

import "bytes"

// startCode is the four-byte start code that AppendAnnexB writes: a unit
// behind it may begin an access unit, which a three-byte one may not
// (ITU-T H.264 B.1.2). shortStartCode is what every start code ends with.
const (
	startCode      = "\x00\x00\x00\x01"
	shortStartCode = "\x00\x00\x01"
)

// SplitAnnexB returns the NAL units of an Annex B byte stream, without
// their start codes of three or four bytes, as sub-slices of b. Bytes before
// the first start code are ignored, and so is b when it holds none. Zero
// bytes after a unit are dropped (trailing_zero_8bits and the leading zero
// of the next four-byte start code: a unit never ends in a zero byte), and
// units left empty are skipped.
func SplitAnnexB(b []byte) [][]byte {
	var units [][]byte
	sc := []byte(shortStartCode)
	i := bytes.Index(b, sc)
	for i >= 0 {
		start := i + len(shortStartCode)
		end := len(b)
		i = bytes.Index(b[start:], sc)
		if i >= 0 {
			i += start
			end = i
		}
		for end > start && b[end-1] == 0 {
			end--
		}
		if end > start {
			units = append(units, b[start:end])
		}
	}
	return units
}

// AppendAnnexB appends units to dst as an Annex B byte stream, each behind
// a four-byte start code, and returns the extended slice. Empty units are
// written as a bare start code.
func AppendAnnexB(dst []byte, units ...[]byte) []byte {
	for _, u := range units {
		dst = append(append(dst, startCode...), u...)
	}
	return dst
}

// AnnexBSize is the length of the Annex B byte stream that AppendAnnexB
// writes for units: for sizing its destination.
func AnnexBSize(units ...[]byte) int {
	n := 0
	for _, u := range units {
		n += len(startCode) + len(u)
	}
	return n
}

// Filter returns the units of the Annex B byte stream b for which keep
// reports true, in order, as sub-slices of b.
func Filter(b []byte, keep func(unit []byte) bool) [][]byte {
	var out [][]byte
	for _, u := range SplitAnnexB(b) {
		if keep(u) {
			out = append(out, u)
		}
	}
	return out
}

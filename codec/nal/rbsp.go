// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package nal

// Unescape returns the RBSP of a NAL unit's payload b: b without its
// emulation prevention bytes (each 03 after 00 00 is dropped, ITU-T H.264
// 7.4.1 and H.265 7.4.2). The result is a new slice; b is not changed.
func Unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, x := range b {
		if zeros >= 2 && x == 3 {
			zeros = 0
			continue
		}
		if x == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, x)
	}
	return out
}

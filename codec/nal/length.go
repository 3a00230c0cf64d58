// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package nal

import "fmt"

// SplitLengthPrefixed returns the NAL units of b, each behind a big-endian
// length of size bytes (1 to 4: the avcC or hvcC lengthSizeMinusOne plus
// one), as sub-slices of b. Units of length 0 are skipped. It returns an
// error when size is out of range, when fewer than size bytes are left for
// a length, or when a length runs past the end of b.
func SplitLengthPrefixed(b []byte, size int) ([][]byte, error) {
	if size < 1 || size > 4 {
		return nil, fmt.Errorf("nal: NAL unit length size %d is not 1 to 4", size)
	}
	var units [][]byte
	for len(b) > 0 {
		if len(b) < size {
			return nil, fmt.Errorf("nal: %d bytes left, less than a %d-byte NAL unit length", len(b), size)
		}
		l := 0
		for _, x := range b[:size] {
			l = l<<8 | int(x)
		}
		b = b[size:]
		if l > len(b) {
			return nil, fmt.Errorf("nal: NAL unit of %d bytes with %d left", l, len(b))
		}
		if l > 0 {
			units = append(units, b[:l])
		}
		b = b[l:]
	}
	return units, nil
}

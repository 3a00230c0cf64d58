// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package h264

import (
	"errors"
	"fmt"
)

// AVCC is a parsed AVCDecoderConfigurationRecord (ISO/IEC 14496-15
// 5.3.3.1), the extradata of an MP4-style H.264 stream: the size of each
// NAL unit's length prefix and the parameter sets.
type AVCC struct {
	LengthSize int      // 1, 2 or 4
	SPS, PPS   [][]byte // NAL units with their headers, sub-slices of the record
}

// errAVCCShort is the error of a record that ends too soon.
var errAVCCShort = errors.New("h264: avcC: truncated")

// IsAVCC reports whether extradata is an avcC record rather than Annex B
// parameter sets: its configurationVersion byte is 1, where Annex B
// extradata starts with a start code's zero byte. Empty extradata is
// neither.
func IsAVCC(extradata []byte) bool { return len(extradata) > 0 && extradata[0] == 1 }

// ParseAVCC parses an avcC record. Bytes after the PPS list (the
// high-profile chroma and bit depth fields) are ignored. It returns an error
// when b is not version 1, is truncated, or gives a length size of 3.
func ParseAVCC(b []byte) (AVCC, error) {
	var c AVCC
	if len(b) < 7 || b[0] != 1 {
		return c, errors.New("h264: avcC: too short or not version 1")
	}
	c.LengthSize = int(b[4]&3) + 1
	if c.LengthSize == 3 {
		return c, errors.New("h264: avcC: NAL unit length size 3 is not allowed")
	}
	var err error
	rest := b[6:]
	if c.SPS, rest, err = readUnits(rest, int(b[5]&0x1f)); err != nil {
		return c, err
	}
	if len(rest) == 0 {
		return c, errAVCCShort
	}
	if c.PPS, _, err = readUnits(rest[1:], int(rest[0])); err != nil {
		return c, err
	}
	return c, nil
}

// readUnits reads n units, each behind a two-byte big-endian length, from
// the start of b, and returns them and what follows.
func readUnits(b []byte, n int) (units [][]byte, rest []byte, err error) {
	for range n {
		if len(b) < 2 {
			return nil, nil, errAVCCShort
		}
		l := int(b[0])<<8 | int(b[1])
		if 2+l > len(b) {
			return nil, nil, fmt.Errorf("h264: avcC: parameter set of %d bytes with %d left", l, len(b)-2)
		}
		units = append(units, b[2:2+l])
		b = b[2+l:]
	}
	return units, b, nil
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package h264

import "github.com/spinorml/streamer/codec/nal"

// NALUType is the nal_unit_type of an H.264 NAL unit (ITU-T H.264 table
// 7-1): the low five bits of its first byte.
type NALUType uint8

// The NAL unit types streamer looks at.
const (
	NALUTypeNonIDR NALUType = 1 // a slice of a non-IDR picture
	NALUTypeIDR    NALUType = 5 // a slice of an IDR picture: a key frame
	NALUTypeSEI    NALUType = 6
	NALUTypeSPS    NALUType = 7 // sequence parameter set
	NALUTypePPS    NALUType = 8 // picture parameter set
	NALUTypeAUD    NALUType = 9 // access unit delimiter
)

// TypeOf returns the type of the NAL unit u (with its header), or 0
// (unspecified) when u is empty.
func TypeOf(u []byte) NALUType {
	if len(u) == 0 {
		return 0
	}
	return NALUType(u[0] & 0x1f)
}

// IsParameterSet reports whether t is an SPS or a PPS: the units a decoder
// needs before the first picture.
func (t NALUType) IsParameterSet() bool { return t == NALUTypeSPS || t == NALUTypePPS }

// ParameterSets returns the SPS and PPS NAL units of the Annex B access unit
// au, in their order there, as sub-slices of au; none when it has none.
// nal.AppendAnnexB(nil, ParameterSets(au)...) is the Annex B extradata an
// encoder without global headers leaves out.
func ParameterSets(au []byte) [][]byte {
	return nal.Filter(au, func(u []byte) bool { return TypeOf(u).IsParameterSet() })
}

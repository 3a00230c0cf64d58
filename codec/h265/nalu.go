// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package h265

import "github.com/spinorml/streamer/codec/nal"

// NALUType is the nal_unit_type of an H.265 NAL unit (ITU-T H.265 table
// 7-1): bits 1 to 6 of its two-byte header.
type NALUType uint8

// The NAL unit types streamer looks at.
const (
	NALUTypeBLAWLP    NALUType = 16 // the first IRAP type
	NALUTypeIDRWRADL  NALUType = 19
	NALUTypeIDRNLP    NALUType = 20
	NALUTypeCRA       NALUType = 21
	NALUTypeRSVIRAP23 NALUType = 23 // the last IRAP type
	NALUTypeVPS       NALUType = 32 // video parameter set
	NALUTypeSPS       NALUType = 33 // sequence parameter set
	NALUTypePPS       NALUType = 34 // picture parameter set
	NALUTypeAUD       NALUType = 35 // access unit delimiter
)

// IsParameterSet reports whether t is a VPS, an SPS or a PPS: the units a
// decoder needs before the first picture.
func (t NALUType) IsParameterSet() bool { return t >= NALUTypeVPS && t <= NALUTypePPS }

// IsIRAP reports whether t is a slice of an intra random access point
// picture (BLA, IDR or CRA): where a decoder can start.
func (t NALUType) IsIRAP() bool { return t >= NALUTypeBLAWLP && t <= NALUTypeRSVIRAP23 }

// TypeOf returns the type of the NAL unit u (with its header), or 0 (a
// trailing picture's slice) when u is empty.
func TypeOf(u []byte) NALUType {
	if len(u) == 0 {
		return 0
	}
	return NALUType(u[0]>>1) & 0x3f
}

// ParameterSets returns the VPS, SPS and PPS NAL units of the Annex B access
// unit au, in their order there, as sub-slices of au; none when it has none.
// nal.AppendAnnexB(nil, ParameterSets(au)...) is the Annex B extradata an
// encoder without global headers leaves out.
func ParameterSets(au []byte) [][]byte {
	return nal.Filter(au, func(u []byte) bool { return TypeOf(u).IsParameterSet() })
}

// IsHVCC reports whether extradata is an hvcC record (ISO/IEC 14496-15
// 8.3.3.1) rather than Annex B parameter sets: its configurationVersion
// byte is 1, where Annex B extradata starts with a start code's zero byte.
// Empty extradata is neither.
func IsHVCC(extradata []byte) bool { return len(extradata) > 0 && extradata[0] == 1 }

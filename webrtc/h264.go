// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"fmt"

	"github.com/spinorml/streamer/codec/h264"
	"github.com/spinorml/streamer/codec/nal"
)

// h264Writer turns the access units of one H.264 stream, Annex B or
// length-prefixed as the codec description says, into Annex B access
// units that carry SPS and PPS before every IDR picture, so that a
// viewer can start at any key frame.
type h264Writer struct {
	lengthSize int      // 0: the stream is Annex B
	sps, pps   [][]byte // the latest parameter sets seen
}

// newH264Writer reads the stream's extradata: an avcC record says the
// frames are length-prefixed; Annex B extradata, or none, says they are
// Annex B. Parameter sets found there are kept for the first key frame.
func newH264Writer(extradata []byte) (*h264Writer, error) {
	w := &h264Writer{}
	if h264.IsAVCC(extradata) {
		c, err := h264.ParseAVCC(extradata)
		if err != nil {
			return nil, err
		}
		w.lengthSize, w.sps, w.pps = c.LengthSize, c.SPS, c.PPS
		return w, nil
	}
	for _, u := range nal.SplitAnnexB(extradata) {
		w.remember(u)
	}
	return w, nil
}

func (w *h264Writer) remember(u []byte) {
	switch h264.TypeOf(u) {
	case h264.NALUTypeSPS:
		w.sps = [][]byte{u}
	case h264.NALUTypePPS:
		w.pps = [][]byte{u}
	}
}

// units splits an access unit in the stream's framing.
func (w *h264Writer) units(b []byte) ([][]byte, error) {
	if w.lengthSize == 0 {
		return nal.SplitAnnexB(b), nil
	}
	units, err := nal.SplitLengthPrefixed(b, w.lengthSize)
	if err != nil {
		return nil, fmt.Errorf("H.264: %w", err)
	}
	return units, nil
}

// accessUnit returns b as an Annex B access unit, with the parameter sets
// inserted before an IDR picture that lacks them, and whether it holds an
// IDR picture. Access unit delimiters are dropped: RTP does not carry
// them. The result is a new slice; b is not changed.
func (w *h264Writer) accessUnit(b []byte) ([]byte, bool, error) {
	units, err := w.units(b)
	if err != nil {
		return nil, false, err
	}
	idr, hasSPS, hasPPS := false, false, false
	for _, u := range units {
		switch h264.TypeOf(u) {
		case h264.NALUTypeIDR:
			idr = true
		case h264.NALUTypeSPS:
			hasSPS = true
			w.remember(u)
		case h264.NALUTypePPS:
			hasPPS = true
			w.remember(u)
		}
	}
	var ps [][]byte
	if idr && !(hasSPS && hasPPS) {
		ps = append(append(ps, w.sps...), w.pps...)
	}
	out := nal.AppendAnnexB(make([]byte, 0, nal.AnnexBSize(ps...)+nal.AnnexBSize(units...)), ps...)
	for _, u := range units {
		if h264.TypeOf(u) != h264.NALUTypeAUD {
			out = nal.AppendAnnexB(out, u)
		}
	}
	return out, idr, nil
}

// h264Info is what a receiver learns from an Annex B access unit.
type h264Info struct {
	idr      bool
	sps, pps []byte // the first of each, nil when absent
}

func inspectH264(au []byte) h264Info {
	var in h264Info
	for _, u := range nal.SplitAnnexB(au) {
		switch h264.TypeOf(u) {
		case h264.NALUTypeIDR:
			in.idr = true
		case h264.NALUTypeSPS:
			if in.sps == nil {
				in.sps = u
			}
		case h264.NALUTypePPS:
			if in.pps == nil {
				in.pps = u
			}
		}
	}
	return in
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package h265

import (
	"fmt"
	"testing"

	"github.com/spinorml/streamer/codec/nal"
)

// Two-byte NAL unit headers (type << 1, then layer 0 and temporal id 1),
// each with a byte of payload.
var (
	vps = []byte{0x40, 0x01, 0x0c}
	sps = []byte{0x42, 0x01, 0x01}
	pps = []byte{0x44, 0x01, 0xc1}
	aud = []byte{0x46, 0x01, 0x50}
	idr = []byte{0x26, 0x01, 0xaf}
	cra = []byte{0x2a, 0x01, 0xaf}
	trl = []byte{0x02, 0x01, 0xd0}
)

func TestTypeOf(t *testing.T) {
	for _, c := range []struct {
		u        []byte
		want     NALUType
		ps, irap bool
	}{
		{vps, NALUTypeVPS, true, false},
		{sps, NALUTypeSPS, true, false},
		{pps, NALUTypePPS, true, false},
		{aud, NALUTypeAUD, false, false},
		{idr, NALUTypeIDRWRADL, false, true},
		{cra, NALUTypeCRA, false, true},
		{trl, 1, false, false},
		{nil, 0, false, false},
	} {
		got := TypeOf(c.u)
		if got != c.want || got.IsParameterSet() != c.ps || got.IsIRAP() != c.irap {
			t.Errorf("%x: type %d (parameter set %v, IRAP %v), want %d", c.u, got, got.IsParameterSet(), got.IsIRAP(), c.want)
		}
	}
}

func TestParameterSets(t *testing.T) {
	au := nal.AppendAnnexB(nil, aud, vps, sps, pps, idr)
	if got, want := ParameterSets(au), [][]byte{vps, sps, pps}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%x, want %x", got, want)
	}
	if got := ParameterSets(nal.AppendAnnexB(nil, trl)); got != nil {
		t.Errorf("%x from an access unit without parameter sets", got)
	}
	if !IsHVCC([]byte{1, 1, 0x60}) || IsHVCC(nal.AppendAnnexB(nil, vps)) || IsHVCC(nil) {
		t.Error("IsHVCC tells hvcC from Annex B wrongly")
	}
}

func FuzzParameterSets(f *testing.F) {
	f.Add(nal.AppendAnnexB(nil, aud, vps, sps, pps, idr))
	f.Add([]byte{0, 0, 1, 0x40, 0, 0, 1, 0x44, 0, 0})
	f.Fuzz(func(t *testing.T, au []byte) {
		for _, u := range ParameterSets(au) {
			if !TypeOf(u).IsParameterSet() {
				t.Fatalf("%x is not a parameter set", u)
			}
		}
	})
}

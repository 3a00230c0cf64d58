// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"bytes"
	"testing"

	"github.com/spinorml/streamer/codec/nal"
)

// Parameter sets and slices: the writer looks only at their types.
var (
	sps   = []byte{0x67, 0x42, 0xc0, 0x1e, 0xd9}
	pps   = []byte{0x68, 0xce, 0x3c, 0x80}
	aud   = []byte{0x09, 0xf0}
	idr   = []byte{0x65, 0x88, 0x84, 0x00, 0x21}
	slice = []byte{0x41, 0x9a, 0x02}
)

func annexB(units ...[]byte) []byte { return nal.AppendAnnexB(nil, units...) }

// avccRecord is the avcC record of sps and pps, with 4-byte lengths.
func avccRecord() []byte {
	b := append([]byte{1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, byte(len(sps))}, sps...)
	return append(append(b, 1, 0, byte(len(pps))), pps...)
}

func lengthPrefixed(units ...[]byte) []byte {
	var b []byte
	for _, u := range units {
		b = append(b, byte(len(u)>>24), byte(len(u)>>16), byte(len(u)>>8), byte(len(u)))
		b = append(b, u...)
	}
	return b
}

// An avcC stream (as a demuxed MP4 gives) and an Annex B stream with its
// parameter sets only in extradata (an encoder with global headers) both
// come out as Annex B with SPS and PPS before each IDR picture, and AUDs
// dropped.
func TestAccessUnit(t *testing.T) {
	avcc := avccRecord()
	for _, c := range []struct {
		name       string
		extra      []byte
		key, other []byte
	}{
		{"avcC", avcc, lengthPrefixed(aud, idr), lengthPrefixed(slice)},
		{"annexB", annexB(sps, pps), annexB(aud, idr), annexB(slice)},
		{"annexB-3-byte-start-codes", nil, append([]byte{0, 0, 1}, append(append(append(sps, 0, 0, 1), pps...), append([]byte{0, 0, 1}, idr...)...)...), annexB(slice)},
	} {
		w, err := newH264Writer(c.extra)
		if err != nil {
			t.Fatal(err)
		}
		au, key, err := w.accessUnit(c.key)
		if err != nil || !key {
			t.Fatalf("%s: key frame: %v, key %v", c.name, err, key)
		}
		if want := annexB(sps, pps, idr); !bytes.Equal(au, want) {
			t.Errorf("%s: key frame\n%x, want\n%x", c.name, au, want)
		}
		au, key, err = w.accessUnit(c.other)
		if err != nil || key || !bytes.Equal(au, annexB(slice)) {
			t.Errorf("%s: other frame %x (key %v, %v), want %x", c.name, au, key, err, annexB(slice))
		}
		in := inspectH264(annexB(sps, pps, idr))
		if !in.idr || !bytes.Equal(in.sps, sps) || !bytes.Equal(in.pps, pps) {
			t.Errorf("inspect: %+v", in)
		}
	}
	w, _ := newH264Writer(avcc)
	if _, _, err := w.accessUnit([]byte{0, 0, 0, 9, 1}); err == nil {
		t.Error("a length past the end was taken")
	}
}

func FuzzAccessUnit(f *testing.F) {
	avcc := avccRecord()
	f.Add(avcc, lengthPrefixed(aud, idr))
	f.Add(annexB(sps, pps), annexB(idr))
	f.Add([]byte{}, []byte{0, 0, 1, 0x65, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, extra, au []byte) {
		w, err := newH264Writer(extra)
		if err != nil {
			return
		}
		out, _, err := w.accessUnit(au)
		if err != nil {
			return
		}
		for _, u := range nal.SplitAnnexB(out) {
			if len(u) == 0 {
				t.Fatal("an empty NAL unit")
			}
		}
		inspectH264(out)
	})
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package h264

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/spinorml/streamer/codec/nal"
)

// SPS of libx264 (through the ffmpeg CLI): High 4:4:4 Predictive with 4:4:4
// chroma at 320x240, and 1920x1080 (1088 coded, cropped by 8 rows); and a
// PPS.
var (
	sps320  = mustHex("67f4000d919b28283f602200000300020000030078 1e28532c")
	sps1080 = mustHex("67f40028919b280f0044fc4e022000000300200000 0781e30632c0")
	pps     = mustHex("68ebe3c44844")
	// Baseline 176x144, High 4:2:0 1280x720 and High 4:2:2 640x360 (368
	// coded: crop units of one row in 4:2:2).
	spsBaseline = mustHex("6742c00bd902c4ec0440000003004000000c83c50a92")
	spsHigh     = mustHex("6764001facd9405005bb011000000300100000030320f1831960")
	spsHigh422  = mustHex("677a001ebcd940a02ff89c0440000003004000000c83c58b6580")
	idr         = []byte{0x65, 0x88, 0x84, 0x00, 0x21}
	aud         = []byte{0x09, 0xf0}
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// avccOf builds the avcC record of sps320 and pps with 4-byte lengths.
func avccOf() []byte {
	b := append([]byte{1, 0xf4, 0, 0x0d, 0xff, 0xe1, 0, byte(len(sps320))}, sps320...)
	return append(append(b, 1, 0, byte(len(pps))), pps...)
}

func TestParseSPS(t *testing.T) {
	for _, c := range []struct {
		sps  []byte
		want SPS
	}{
		{sps320, SPS{Profile: 244, Level: 13, ChromaFormat: 3, Width: 320, Height: 240}},
		{sps1080, SPS{Profile: 244, Level: 40, ChromaFormat: 3, Width: 1920, Height: 1080}},
		{spsBaseline, SPS{Profile: 66, Constraints: 0xc0, Level: 11, ChromaFormat: 1, Width: 176, Height: 144}},
		{spsHigh, SPS{Profile: 100, Level: 31, ChromaFormat: 1, Width: 1280, Height: 720}},
		{spsHigh422, SPS{Profile: 122, Level: 30, ChromaFormat: 2, Width: 640, Height: 360}},
	} {
		s, err := ParseSPS(c.sps)
		if err != nil {
			t.Fatal(err)
		}
		if s != c.want {
			t.Errorf("SPS %x: %+v, want %+v", c.sps, s, c.want)
		}
	}
	for _, bad := range [][]byte{sps320[:6], pps, nil, {0x67, 0x42, 0, 0x1e, 0}} {
		if s, err := ParseSPS(bad); err == nil {
			t.Errorf("%x parsed as %+v", bad, s)
		}
	}
}

func TestParseAVCC(t *testing.T) {
	c, err := ParseAVCC(avccOf())
	if err != nil {
		t.Fatal(err)
	}
	if c.LengthSize != 4 || len(c.SPS) != 1 || !bytes.Equal(c.SPS[0], sps320) || len(c.PPS) != 1 || !bytes.Equal(c.PPS[0], pps) {
		t.Errorf("%+v", c)
	}
	if !IsAVCC(avccOf()) || IsAVCC(nal.AppendAnnexB(nil, sps320, pps)) || IsAVCC(nil) {
		t.Error("IsAVCC tells avcC from Annex B wrongly")
	}
	good := avccOf()
	for name, bad := range map[string][]byte{
		"short":           good[:6],
		"version 0":       append([]byte{0}, good[1:]...),
		"length size 3":   append(append([]byte{}, good[:4]...), append([]byte{0xfe}, good[5:]...)...),
		"SPS cut":         good[:10],
		"no PPS count":    good[:8+len(sps320)],
		"PPS cut":         good[:len(good)-1],
		"SPS length cut":  good[:7],
		"PPS length past": append(append([]byte{}, good[:8+len(sps320)]...), 1, 0, 9, 0x68),
	} {
		if c, err := ParseAVCC(bad); err == nil {
			t.Errorf("%s: %x parsed as %+v", name, bad, c)
		}
	}
}

func TestParameterSets(t *testing.T) {
	au := nal.AppendAnnexB(nil, aud, sps320, pps, idr)
	if got, want := ParameterSets(au), [][]byte{sps320, pps}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%x, want %x", got, want)
	}
	if got := ParameterSets(nal.AppendAnnexB(nil, idr)); got != nil {
		t.Errorf("%x from an access unit without parameter sets", got)
	}
}

func TestTypeOf(t *testing.T) {
	for _, c := range []struct {
		u    []byte
		want NALUType
	}{{sps320, NALUTypeSPS}, {pps, NALUTypePPS}, {idr, NALUTypeIDR}, {aud, NALUTypeAUD}, {[]byte{0x41}, NALUTypeNonIDR}, {nil, 0}} {
		if got := TypeOf(c.u); got != c.want {
			t.Errorf("%x: type %d, want %d", c.u, got, c.want)
		}
	}
	if NALUTypeIDR.IsParameterSet() || !NALUTypeSPS.IsParameterSet() || !NALUTypePPS.IsParameterSet() {
		t.Error("IsParameterSet")
	}
}

func FuzzParseSPS(f *testing.F) {
	f.Add(sps320)
	f.Add(sps1080)
	f.Add(spsBaseline)
	f.Add(spsHigh)
	f.Add(spsHigh422)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSPS(b)
		if err == nil && (s.Width <= 0 || s.Height <= 0 || s.Width > 16384 || s.Height > 32768) {
			t.Fatalf("size %dx%d", s.Width, s.Height)
		}
	})
}

func FuzzParseAVCC(f *testing.F) {
	f.Add(avccOf())
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xe0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseAVCC(b)
		if err != nil {
			return
		}
		if c.LengthSize != 1 && c.LengthSize != 2 && c.LengthSize != 4 {
			t.Fatalf("length size %d", c.LengthSize)
		}
		if n := nal.AnnexBSize(append(c.SPS, c.PPS...)...); n > 4*len(b) {
			t.Fatalf("%d bytes of parameter sets from %d", n, len(b))
		}
	})
}

func FuzzParameterSets(f *testing.F) {
	f.Add(nal.AppendAnnexB(nil, aud, sps320, pps, idr))
	f.Add([]byte{0, 0, 1, 0x67, 0, 0, 1, 0x68, 0, 0})
	f.Fuzz(func(t *testing.T, au []byte) {
		for _, u := range ParameterSets(au) {
			if !TypeOf(u).IsParameterSet() {
				t.Fatalf("%x is not a parameter set", u)
			}
		}
	})
}

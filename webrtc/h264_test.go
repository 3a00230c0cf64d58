// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// SPS of libx264 (through the ffmpeg CLI): High 4:4:4 Predictive at
// 320x240, and 1920x1080 (1088 coded, cropped by 8 rows).
var (
	sps320  = mustHex("67f4000d919b28283f602200000300020000030078 1e28532c")
	sps1080 = mustHex("67f40028919b280f0044fc4e022000000300200000 0781e30632c0")
	pps     = mustHex("68ebe3c44844")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)))
	if err != nil {
		panic(err)
	}
	return b
}

func TestParseSPS(t *testing.T) {
	for _, c := range []struct {
		sps                  []byte
		w, h, profile, level int
	}{{sps320, 320, 240, 244, 13}, {sps1080, 1920, 1080, 244, 40}} {
		s, err := parseSPS(c.sps)
		if err != nil {
			t.Fatal(err)
		}
		if s.width != c.w || s.height != c.h || s.profile != c.profile || s.level != c.level {
			t.Errorf("SPS %x: %+v, want %dx%d profile %d level %d", c.sps, s, c.w, c.h, c.profile, c.level)
		}
	}
	if _, err := parseSPS(sps320[:6]); err == nil {
		t.Error("a truncated SPS parsed")
	}
}

func annexB(units ...[]byte) []byte {
	var b []byte
	for _, u := range units {
		b = append(append(b, 0, 0, 0, 1), u...)
	}
	return b
}

func lengthPrefixed(units ...[]byte) []byte {
	var b []byte
	for _, u := range units {
		b = append(b, byte(len(u)>>24), byte(len(u)>>16), byte(len(u)>>8), byte(len(u)))
		b = append(b, u...)
	}
	return b
}

var (
	aud   = []byte{0x09, 0xf0}
	idr   = []byte{0x65, 0x88, 0x84, 0x00, 0x21}
	slice = []byte{0x41, 0x9a, 0x02}
)

// An avcC stream (as a demuxed MP4 gives) and an Annex B stream with its
// parameter sets only in extradata (an encoder with global headers) both
// come out as Annex B with SPS and PPS before each IDR picture, and AUDs
// dropped.
func TestAccessUnit(t *testing.T) {
	avcc := append([]byte{1, 0xf4, 0, 0x0d, 0xff, 0xe1, 0, byte(len(sps320))}, sps320...)
	avcc = append(append(avcc, 1, 0, byte(len(pps))), pps...)
	for _, c := range []struct {
		name       string
		extra      []byte
		key, other []byte
	}{
		{"avcC", avcc, lengthPrefixed(aud, idr), lengthPrefixed(slice)},
		{"annexB", annexB(sps320, pps), annexB(aud, idr), annexB(slice)},
		{"annexB-3-byte-start-codes", nil, append([]byte{0, 0, 1}, append(append(append(sps320, 0, 0, 1), pps...), append([]byte{0, 0, 1}, idr...)...)...), annexB(slice)},
	} {
		w, err := newH264Writer(c.extra)
		if err != nil {
			t.Fatal(err)
		}
		au, key, err := w.accessUnit(c.key)
		if err != nil || !key {
			t.Fatalf("%s: key frame: %v, key %v", c.name, err, key)
		}
		if want := annexB(sps320, pps, idr); !bytes.Equal(au, want) {
			t.Errorf("%s: key frame\n%x, want\n%x", c.name, au, want)
		}
		au, key, err = w.accessUnit(c.other)
		if err != nil || key || !bytes.Equal(au, annexB(slice)) {
			t.Errorf("%s: other frame %x (key %v, %v), want %x", c.name, au, key, err, annexB(slice))
		}
		in := inspectH264(annexB(sps320, pps, idr))
		if !in.idr || !bytes.Equal(in.sps, sps320) || !bytes.Equal(in.pps, pps) {
			t.Errorf("inspect: %+v", in)
		}
	}
	w, _ := newH264Writer(avcc)
	if _, _, err := w.accessUnit([]byte{0, 0, 0, 9, 1}); err == nil {
		t.Error("a length past the end was taken")
	}
}

func FuzzParseSPS(f *testing.F) {
	f.Add(sps320)
	f.Add(sps1080)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSPS(b)
		if err == nil && (s.width <= 0 || s.height <= 0 || s.width > 16384 || s.height > 32768) {
			t.Fatalf("size %dx%d", s.width, s.height)
		}
	})
}

func FuzzAccessUnit(f *testing.F) {
	avcc := append([]byte{1, 0xf4, 0, 0x0d, 0xff, 0xe1, 0, byte(len(sps320))}, sps320...)
	avcc = append(append(avcc, 1, 0, byte(len(pps))), pps...)
	f.Add(avcc, lengthPrefixed(aud, idr))
	f.Add(annexB(sps320, pps), annexB(idr))
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
		for _, u := range annexBUnits(out) {
			if len(u) == 0 {
				t.Fatal("an empty NAL unit")
			}
		}
		inspectH264(out)
	})
}

func FuzzVP9Header(f *testing.F) {
	// A VP9 profile 0 key frame header of 320x240 (from libvpx).
	f.Add(mustHex("824983420013f00ef004"))
	f.Add([]byte{0x86})
	f.Fuzz(func(t *testing.T, b []byte) {
		if key, w, h, err := vp9KeyframeSize(b); err == nil && key && (w <= 0 || h <= 0) {
			t.Fatalf("size %dx%d", w, h)
		}
		vp8KeyframeSize(b)
	})
}

func TestVP9Header(t *testing.T) {
	key, w, h, err := vp9KeyframeSize(mustHex("824983420013f00ef004"))
	if err != nil || !key || w != 320 || h != 240 {
		t.Fatalf("key %v %dx%d %v, want a 320x240 key frame", key, w, h, err)
	}
}

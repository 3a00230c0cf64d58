// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vp9

import (
	"encoding/hex"
	"testing"
)

// The first bytes of frames from libvpx (through the ffmpeg CLI): a key
// frame and an inter frame of profile 0 (4:2:0), 1 (4:4:4) and 2 (10-bit)
// at 352x288, and the profile 0 key frame at 320x240 a browser sent.
func TestKeyframeSize(t *testing.T) {
	for _, c := range []struct {
		hex  string
		key  bool
		w, h int
	}{
		{"824983420015f011f6083824", true, 352, 288},
		{"86004092f0814000002460f9", false, 0, 0},
		{"a24983420002be023ec10704", true, 352, 288},
		{"a6004092f081400000386201", false, 0, 0},
		{"92498342000af808fb041c12", true, 352, 288},
		{"96004092f0914000002460d1", false, 0, 0},
		{"824983420013f00ef004", true, 320, 240},
	} {
		b, _ := hex.DecodeString(c.hex)
		key, w, h, err := KeyframeSize(b)
		if err != nil || key != c.key || w != c.w || h != c.h {
			t.Errorf("%s: key %v %dx%d (%v), want key %v %dx%d", c.hex, key, w, h, err, c.key, c.w, c.h)
		}
	}
	for _, bad := range []string{"", "02", "8249834200", "82498342ff"} {
		b, _ := hex.DecodeString(bad)
		if key, w, h, err := KeyframeSize(b); err == nil {
			t.Errorf("%q: key %v %dx%d, want an error", bad, key, w, h)
		}
	}
}

func FuzzKeyframeSize(f *testing.F) {
	b, _ := hex.DecodeString("824983420013f00ef004")
	f.Add(b)
	f.Add([]byte{0x86})
	f.Fuzz(func(t *testing.T, b []byte) {
		key, w, h, err := KeyframeSize(b)
		if err == nil && key && (w <= 0 || h <= 0 || w > 1<<16 || h > 1<<16) {
			t.Fatalf("size %dx%d", w, h)
		}
		if !key && (w != 0 || h != 0) {
			t.Fatalf("not a key frame, size %dx%d", w, h)
		}
	})
}

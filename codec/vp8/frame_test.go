// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vp8

import (
	"encoding/hex"
	"testing"
)

// A key frame and an inter frame of libvpx (through the ffmpeg CLI) at
// 352x288, a key frame with scale bits set, and frames too short or
// without the start code.
func TestKeyframeSize(t *testing.T) {
	for _, c := range []struct {
		hex  string
		key  bool
		w, h int
	}{
		{"706c009d012a600120010007", true, 352, 288},
		{"b108000910ac0018891acdfe", false, 0, 0},
		{"706c009d012a6041200100", true, 352, 288},
		{"706c009d012a600120", false, 0, 0},
		{"706c009d012b600120010007", false, 0, 0},
		{"", false, 0, 0},
	} {
		b, _ := hex.DecodeString(c.hex)
		if key, w, h := KeyframeSize(b); key != c.key || w != c.w || h != c.h {
			t.Errorf("%s: key %v %dx%d, want key %v %dx%d", c.hex, key, w, h, c.key, c.w, c.h)
		}
	}
}

func FuzzKeyframeSize(f *testing.F) {
	b, _ := hex.DecodeString("706c009d012a600120010007")
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		if key, w, h := KeyframeSize(b); w < 0 || h < 0 || w >= 1<<14 || h >= 1<<14 || (!key && w+h != 0) {
			t.Fatalf("key %v size %dx%d", key, w, h)
		}
	})
}

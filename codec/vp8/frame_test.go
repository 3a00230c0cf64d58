// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vp8

import (
	"encoding/hex"
	"fmt"
	"testing"
)

// A key frame and an inter frame of libvpx (through the ffmpeg CLI) at
// 352x288, a key frame with scale bits set, and frames too short or
// without the start code. Each row is the frame's first bytes in hex, then
// what KeyframeSize says of them.
func TestKeyframeSize(t *testing.T) {
	for frame, want := range map[string]string{
		"706c009d012a600120010007": "key 352x288",
		"b108000910ac0018891acdfe": "inter",
		"706c009d012a6041200100":   "key 352x288",
		"706c009d012a600120":       "inter",
		"706c009d012b600120010007": "inter",
		"":                         "inter",
	} {
		b, _ := hex.DecodeString(frame)
		got := "inter"
		if key, w, h := KeyframeSize(b); key || w != 0 || h != 0 {
			got = fmt.Sprintf("key %dx%d", w, h)
		}
		if got != want {
			t.Errorf("%s: %s, want %s", frame, got, want)
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

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package bits

import (
	"errors"
	"testing"
)

func TestReader(t *testing.T) {
	// 1 | 010 | 011 | 00100 | 00101 | 101 | 0…: the bit 1, then ue 1, ue 2,
	// ue 3, se -2, a 3-bit field 5.
	r := NewReader([]byte{0b1010_0110, 0b0100_0010, 0b1101_0000})
	if v := r.Bit(); v != 1 {
		t.Errorf("bit %d, want 1", v)
	}
	for _, want := range []uint{1, 2, 3} {
		if v := r.UE(); v != want {
			t.Errorf("ue %d, want %d", v, want)
		}
	}
	if v := r.SE(); v != -2 {
		t.Errorf("se %d, want -2", v)
	}
	if v := r.Bits(3); v != 5 {
		t.Errorf("bits %d, want 5", v)
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	r.Skip(4)
	if r.Bits(2) != 0 || !errors.Is(r.Err(), ErrShort) {
		t.Errorf("read past the end: %v, want ErrShort", r.Err())
	}
}

func TestReaderErrors(t *testing.T) {
	r := NewReader([]byte{0, 0, 0, 0, 0x80})
	if v := r.UE(); v != 0 || r.Err() == nil || errors.Is(r.Err(), ErrShort) {
		t.Errorf("32 leading zeros: %d, %v; want a too-long error", v, r.Err())
	}
	r = NewReader([]byte{0, 0})
	if v := r.UE(); v != 0 || !errors.Is(r.Err(), ErrShort) {
		t.Errorf("zeros to the end: %d, %v; want ErrShort", v, r.Err())
	}
	r = NewReader([]byte{0xff})
	r.Skip(9)
	if r.Bit() != 0 || !errors.Is(r.Err(), ErrShort) {
		t.Errorf("skip past the end: %v, want ErrShort", r.Err())
	}
	// 31 leading zeros is the longest code: 2^32-1 less one, plus the field.
	r = NewReader([]byte{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe})
	if v := r.UE(); v != 1<<32-2 || r.Err() != nil {
		t.Errorf("31 leading zeros: %d, %v", v, r.Err())
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{0b1010_0110, 0b0100_0010}, uint8(3))
	f.Add([]byte{0, 0, 0, 0, 0x80}, uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		r := NewReader(b)
		for r.Err() == nil {
			if v := r.Bits(int(n % 33)); n%33 < 32 && v >= 1<<(n%33) {
				t.Fatalf("%d bits read as %d", n%33, v)
			}
			r.UE()
			r.SE()
		}
		if r.pos > 8*len(b) {
			t.Fatalf("at bit %d of %d", r.pos, 8*len(b))
		}
	})
}

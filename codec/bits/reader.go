// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package bits

import "errors"

// ErrShort is the error of a read past the end of the bits.
var ErrShort = errors.New("bits: truncated")

// maxExpGolombZeros is the longest run of leading zeros of an Exp-Golomb
// code this reader accepts: the longest H.264 and H.265 allow (32 bits of
// value, less one) and what a uint holds on every platform.
const maxExpGolombZeros = 31

// Reader reads the bits of a byte slice, most significant bit first.
type Reader struct {
	b   []byte
	pos int // in bits
	err error
}

// NewReader returns a Reader at the first bit of b. It reads b in place.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error a read met, or nil.
func (r *Reader) Err() error { return r.err }

// Bit reads one bit; past the end it returns 0 and sets ErrShort.
func (r *Reader) Bit() uint {
	if r.pos >= 8*len(r.b) {
		if r.err == nil {
			r.err = ErrShort
		}
		return 0
	}
	v := uint(r.b[r.pos/8]>>(7-r.pos%8)) & 1
	r.pos++
	return v
}

// Bits reads an n-bit unsigned field (n ≤ 32), most significant bit first.
// Bits past the end read as 0 and set ErrShort.
func (r *Reader) Bits(n int) uint {
	var v uint
	for range n {
		v = v<<1 | r.Bit()
	}
	return v
}

// Skip passes over n bits; past the end it sets ErrShort.
func (r *Reader) Skip(n int) {
	if r.pos+n > 8*len(r.b) {
		r.pos = 8 * len(r.b)
		if r.err == nil {
			r.err = ErrShort
		}
		return
	}
	r.pos += n
}

// UE reads an unsigned Exp-Golomb code, ue(v) (ITU-T H.264 9.1). A code of
// more than 31 leading zeros returns 0 and sets an error.
func (r *Reader) UE() uint {
	zeros := 0
	for r.Bit() == 0 {
		if r.err != nil {
			return 0
		}
		zeros++
		if zeros > maxExpGolombZeros {
			r.err = errors.New("bits: Exp-Golomb code too long")
			return 0
		}
	}
	return (1<<zeros - 1) + r.Bits(zeros)
}

// SE reads a signed Exp-Golomb code, se(v) (ITU-T H.264 9.1.1): 1, -1, 2,
// -2… for the codes 1, 2, 3, 4…
func (r *Reader) SE() int {
	v := r.UE()
	if v&1 == 1 {
		return int(v+1) / 2
	}
	return -int(v / 2)
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

// The frame number travels in the picture: 16 bits as a row of 16x16
// luma blocks (black 0, white 1), each one H.264 macroblock so that its
// bit is coded on its own, and below it a row of their complements, so
// that a block the encoder smeared makes the read fail rather than
// return a wrong number.
const (
	stampBits          = 16
	stampBlock         = 16
	stampX, stampY     = 16, 16
	stampBlack         = 16  // video-range black
	stampWhite         = 235 // video-range white
	stampMinW          = stampX + stampBits*stampBlock
	stampMinH          = stampY + 2*stampBlock
	stampThresholdLuma = (stampBlack + stampWhite) / 2
)

// paint fills the w x h luma plane y (stride bytes a row) of frame n with
// a ramp that moves each frame, as a camera's picture changes, and
// stamps n into it. The frame must be at least stampMinW x stampMinH.
func paint(y []byte, stride, w, h int, n int) {
	shift := n * 4
	for r := range h {
		row := y[r*stride : r*stride+w]
		for x := range row {
			row[x] = byte(16 + (x+r/2+shift)%w*219/w)
		}
	}
	for bit := range stampBits {
		on := n>>bit&1 == 1
		fill(y, stride, stampX+bit*stampBlock, stampY, on)
		fill(y, stride, stampX+bit*stampBlock, stampY+stampBlock, !on)
	}
}

// fill paints one block white or black.
func fill(y []byte, stride, x0, y0 int, white bool) {
	v := byte(stampBlack)
	if white {
		v = stampWhite
	}
	for r := y0; r < y0+stampBlock; r++ {
		row := y[r*stride+x0 : r*stride+x0+stampBlock]
		for i := range row {
			row[i] = v
		}
	}
}

// readStamp returns the frame number stamped into luma plane y, and
// false when a block and its complement do not disagree (a damaged or
// unstamped picture).
func readStamp(y []byte, stride int) (int, bool) {
	if len(y) < (stampY+2*stampBlock)*stride {
		return 0, false
	}
	n := 0
	for bit := range stampBits {
		on := mean(y, stride, stampX+bit*stampBlock, stampY) > stampThresholdLuma
		off := mean(y, stride, stampX+bit*stampBlock, stampY+stampBlock) > stampThresholdLuma
		if on == off {
			return 0, false
		}
		if on {
			n |= 1 << bit
		}
	}
	return n, true
}

// mean returns the mean luma of the inner half of a block: its edges are
// where coding artefacts from the neighbours land.
func mean(y []byte, stride, x0, y0 int) int {
	q := stampBlock / 4
	sum := 0
	for r := y0 + q; r < y0+stampBlock-q; r++ {
		for _, v := range y[r*stride+x0+q : r*stride+x0+stampBlock-q] {
			sum += int(v)
		}
	}
	return sum / ((stampBlock - 2*q) * (stampBlock - 2*q))
}

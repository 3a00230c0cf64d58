// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame

import (
	"math"
	"math/bits"
	"time"
)

// Tolerances of RateOf, relative to the rate. A common rate matches within
// 0.1%, the nearest winning, so 1 ns of rounding in a frame duration never
// misses one. A whole rate n matches within 0.05%: less than half the 0.1%
// between n and the NTSC-style n·1000/1001, so 119.88 is never taken for
// 120.
const (
	commonRateTolerance = 0.001
	wholeRateTolerance  = 0.0005
)

// RateOf returns the frame rate of frames lasting d: the nearest common rate
// (film, PAL, NTSC and their doubles, 10 and 15 fps) within 0.1% of 1/d;
// else a whole number of frames per second within 0.05%; else 1 s/d exactly,
// reduced, with both terms in 31 bits as AVRational and GstFraction need (d
// is rounded to µs, then ms, then s until they fit, and a period longer
// than 2³¹ s gives 1/(2³¹-1)). It returns the zero Rational, the rate of a
// variable or unknown stream, when d ≤ 0.
func RateOf(d time.Duration) Rational {
	if d <= 0 {
		return Rational{}
	}
	fps := float64(time.Second) / float64(d)
	if r, ok := commonRate(fps); ok {
		return r
	}
	if n := math.Round(fps); n >= 1 && math.Abs(fps-n) < wholeRateTolerance*n {
		return Rational{Num: int(n), Den: 1}
	}
	return exactRate(d)
}

// commonRates are the rates RateOf snaps to: film, PAL, NTSC and their
// doubles, and the 10 and 15 fps of cameras and screen capture. A function,
// not a variable, so no caller can change the table.
func commonRates() [14]Rational {
	return [...]Rational{
		{Num: 24000, Den: 1001}, {Num: 24, Den: 1}, {Num: 25, Den: 1},
		{Num: 30000, Den: 1001}, {Num: 30, Den: 1},
		{Num: 48000, Den: 1001}, {Num: 48, Den: 1}, {Num: 50, Den: 1},
		{Num: 60000, Den: 1001}, {Num: 60, Den: 1},
		{Num: 120000, Den: 1001}, {Num: 120, Den: 1},
		{Num: 10, Den: 1}, {Num: 15, Den: 1},
	}
}

// commonRate returns the common rate nearest fps, and whether it is within
// commonRateTolerance of it.
func commonRate(fps float64) (Rational, bool) {
	best, bestErr := Rational{}, commonRateTolerance
	for _, r := range commonRates() {
		if e := math.Abs(fps-r.Float()) / r.Float(); e < bestErr {
			best, bestErr = r, e
		}
	}
	return best, best.Den != 0
}

// exactRate returns 1 s/d reduced, rounding d to coarser units while the
// denominator does not fit in 31 bits.
func exactRate(d time.Duration) Rational {
	num, den := int64(time.Second), int64(d)
	for den/gcd(num, den) > math.MaxInt32 && num > 1 {
		num, den = num/1000, (den+500)/1000
	}
	g := gcd(num, den)
	return Rational{Num: int(num / g), Den: int(min(den/g, math.MaxInt32))}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// DurationOf returns how long one frame lasts at rate r, truncated to the
// nanosecond, or 0 when either term of r is not positive (a variable or
// unknown rate). A duration past what time.Duration holds gives its
// maximum.
func DurationOf(r Rational) time.Duration {
	if r.Num <= 0 || r.Den <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(time.Second), uint64(r.Den))
	if hi >= uint64(r.Num) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(r.Num))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(q)
}

// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame

import (
	"math"
	"testing"
	"time"
)

// Every common rate survives the round trip through its truncated frame
// duration, and through that duration plus or minus a nanosecond.
func TestRateOfCommonRates(t *testing.T) {
	for _, r := range commonRates() {
		d := DurationOf(r)
		for _, dd := range []time.Duration{d - 1, d, d + 1} {
			if got := RateOf(dd); got != r {
				t.Errorf("RateOf(%v) = %v, want %v", dd, got, r)
			}
		}
	}
}

func TestRateOf(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want Rational
	}{
		{0, Rational{}},
		{-time.Second, Rational{}},
		{33333333, Rational{Num: 30, Den: 1}},
		{33366667, Rational{Num: 30000, Den: 1001}},
		{40 * time.Millisecond, Rational{Num: 25, Den: 1}},
		{10 * time.Millisecond, Rational{Num: 100, Den: 1}},     // whole, not in the table
		{time.Second / 90, Rational{Num: 90, Den: 1}},           // whole within 0.05%
		{8341675, Rational{Num: 120000, Den: 1001}},             // not 120
		{time.Nanosecond, Rational{Num: 1_000_000_000, Den: 1}}, // the shortest
		{12 * time.Millisecond, Rational{Num: 250, Den: 3}},     // exact, reduced
		{7 * time.Millisecond, Rational{Num: 1000, Den: 7}},
		{2 * time.Second, Rational{Num: 1, Den: 2}},                            // slower than 1 fps
		{3*time.Second + 1, Rational{Num: 1, Den: 3}},                          // rounded to µs to fit
		{3*time.Second + 400*time.Microsecond, Rational{Num: 2500, Den: 7501}}, // µs fit
		{100 * 365 * 24 * time.Hour, Rational{Num: 1, Den: math.MaxInt32}},     // clamped
	} {
		got := RateOf(c.d)
		if got != c.want {
			t.Errorf("RateOf(%d) = %v, want %v", c.d, got, c.want)
		}
		if got.Num > math.MaxInt32 || got.Den > math.MaxInt32 {
			t.Errorf("RateOf(%d) = %v: a term past 31 bits", c.d, got)
		}
	}
}

func TestDurationOf(t *testing.T) {
	for _, c := range []struct {
		r    Rational
		want time.Duration
	}{
		{Rational{Num: 25, Den: 1}, 40 * time.Millisecond},
		{Rational{Num: 30000, Den: 1001}, 33366666},
		{Rational{Num: 1, Den: 3}, 3 * time.Second},
		{Rational{}, 0},
		{Rational{Num: 0, Den: 1}, 0},
		{Rational{Num: -30, Den: 1}, 0},
		{Rational{Num: 30, Den: -1}, 0},
		{Rational{Num: 1, Den: math.MaxInt}, math.MaxInt64},
	} {
		if got := DurationOf(c.r); got != c.want {
			t.Errorf("DurationOf(%v) = %d, want %d", c.r, got, c.want)
		}
	}
}

func FuzzRateOf(f *testing.F) {
	f.Add(int64(33366667))
	f.Add(int64(3*time.Second + 1))
	f.Fuzz(func(t *testing.T, d int64) {
		r := RateOf(time.Duration(d))
		if d <= 0 {
			if r != (Rational{}) {
				t.Fatalf("RateOf(%d) = %v", d, r)
			}
			return
		}
		if r.Num <= 0 || r.Den <= 0 || r.Num > math.MaxInt32 || r.Den > math.MaxInt32 {
			t.Fatalf("RateOf(%d) = %v", d, r)
		}
		if got := float64(DurationOf(r)); d < int64(time.Hour) && math.Abs(got-float64(d)) > 0.001*float64(d)+1 {
			t.Fatalf("RateOf(%d) = %v, lasting %v", d, r, time.Duration(got))
		}
	})
}

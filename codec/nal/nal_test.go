// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package nal

import (
	"bytes"
	"fmt"
	"testing"
)

func TestSplitAnnexB(t *testing.T) {
	a, b := []byte{0x67, 1, 2}, []byte{0x68, 3}
	for _, c := range []struct {
		name string
		in   []byte
		want [][]byte
	}{
		{"four-byte", []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3}, [][]byte{a, b}},
		{"three-byte", []byte{0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3}, [][]byte{a, b}},
		{"mixed", []byte{0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3}, [][]byte{a, b}},
		{"bytes before the first start code", []byte{9, 9, 0, 0, 1, 0x67, 1, 2}, [][]byte{a}},
		{"trailing zero bytes", []byte{0, 0, 1, 0x67, 1, 2, 0, 0, 0, 0, 0, 1, 0x68, 3, 0, 0}, [][]byte{a, b}},
		{"empty units", []byte{0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0x68, 3, 0, 0, 1}, [][]byte{b}},
		{"no start code", []byte{0x67, 1, 2}, nil},
		{"empty", nil, nil},
	} {
		if got := SplitAnnexB(c.in); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %x, want %x", c.name, got, c.want)
		}
	}
}

func TestAppendAnnexB(t *testing.T) {
	units := [][]byte{{0x67, 1}, {0x68}}
	got := AppendAnnexB([]byte{7}, units...)
	want := []byte{7, 0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68}
	if !bytes.Equal(got, want) {
		t.Errorf("%x, want %x", got, want)
	}
	if n := AnnexBSize(units...); n != len(want)-1 {
		t.Errorf("size %d, want %d", n, len(want)-1)
	}
	if back := SplitAnnexB(got[1:]); fmt.Sprint(back) != fmt.Sprint(units) {
		t.Errorf("split back %x, want %x", back, units)
	}
}

func TestFilter(t *testing.T) {
	au := AppendAnnexB(nil, []byte{1}, []byte{2}, []byte{3})
	got := Filter(au, func(u []byte) bool { return u[0] != 2 })
	if fmt.Sprint(got) != "[[1] [3]]" {
		t.Errorf("%v, want [[1] [3]]", got)
	}
}

func TestSplitLengthPrefixed(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		size int
		want string // the units, or "error"
	}{
		{[]byte{0, 0, 0, 2, 5, 6, 0, 0, 0, 1, 7}, 4, "[[5 6] [7]]"},
		{[]byte{0, 2, 5, 6, 0, 0, 0, 1, 7}, 2, "[[5 6] [7]]"},
		{[]byte{2, 5, 6, 0, 1, 7}, 1, "[[5 6] [7]]"},
		{nil, 4, "[]"},
		{[]byte{0, 0, 0, 3, 5, 6}, 4, "error"}, // a length past the end
		{[]byte{0, 1, 5, 0}, 2, "error"},       // a length cut short
		{[]byte{1, 5}, 0, "error"},
		{[]byte{1, 5}, 5, "error"},
	} {
		units, err := SplitLengthPrefixed(c.in, c.size)
		got := fmt.Sprint(units)
		if err != nil {
			got = "error"
		}
		if got != c.want {
			t.Errorf("%x size %d: %s (%v), want %s", c.in, c.size, got, err, c.want)
		}
	}
}

func TestUnescape(t *testing.T) {
	for _, c := range []struct{ in, want []byte }{
		{[]byte{0, 0, 3, 1}, []byte{0, 0, 1}},
		{[]byte{0, 0, 3, 0, 0, 3}, []byte{0, 0, 0, 0}},
		{[]byte{0, 3, 0, 3}, []byte{0, 3, 0, 3}},
		{[]byte{0, 0, 0, 3}, []byte{0, 0, 0}},
		{[]byte{5, 0, 0, 3, 3}, []byte{5, 0, 0, 3}},
		{nil, []byte{}},
	} {
		if got := Unescape(c.in); !bytes.Equal(got, c.want) {
			t.Errorf("%x: %x, want %x", c.in, got, c.want)
		}
	}
}

func FuzzSplitAnnexB(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3})
	f.Add([]byte{0, 0, 1, 0, 0, 1, 0, 0, 0})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		units := SplitAnnexB(b)
		for _, u := range units {
			if len(u) == 0 || u[len(u)-1] == 0 || bytes.Contains(u, []byte{0, 0, 1}) {
				t.Fatalf("unit %x of %x", u, b)
			}
		}
		out := AppendAnnexB(nil, units...)
		if len(out) != AnnexBSize(units...) {
			t.Fatalf("wrote %d bytes, sized %d", len(out), AnnexBSize(units...))
		}
		if again := SplitAnnexB(out); fmt.Sprint(again) != fmt.Sprint(units) {
			t.Fatalf("%x split again to %x", units, again)
		}
	})
}

func FuzzSplitLengthPrefixed(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 5, 6, 0, 0, 0, 1, 7}, 4)
	f.Add([]byte{0, 2, 5, 6}, 2)
	f.Add([]byte{0xff, 5}, 1)
	f.Fuzz(func(t *testing.T, b []byte, size int) {
		units, err := SplitLengthPrefixed(b, size)
		if err != nil {
			return
		}
		n := 0
		for _, u := range units {
			if len(u) == 0 {
				t.Fatal("an empty unit")
			}
			n += size + len(u)
		}
		if n > len(b) {
			t.Fatalf("%d bytes of units from %d", n, len(b))
		}
	})
}

func FuzzUnescape(f *testing.F) {
	f.Add([]byte{0, 0, 3, 1, 0, 0, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		out := Unescape(b)
		if len(out) > len(b) || (!bytes.Contains(b, []byte{0, 0, 3}) && !bytes.Equal(out, b)) {
			t.Fatalf("%x unescaped to %x", b, out)
		}
	})
}

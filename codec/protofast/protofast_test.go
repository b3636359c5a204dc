package protofast

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestConsumeTag(t *testing.T) {
	for _, c := range []struct {
		in  []byte
		num protowire.Number
		wt  protowire.Type
		n   int
	}{
		{[]byte{0x08}, 1, protowire.VarintType, 1},
		{[]byte{0x07}, 0, 0, -1},                                // field 0
		{[]byte{0x80, 0x00}, 0, 0, -1},                          // field 0, two bytes
		{[]byte{0x88, 0x00}, 1, protowire.VarintType, 2},        // non-minimal, accepted
		{[]byte{0x82, 0x01}, 16, protowire.BytesType, 2},        // field 16
		{[]byte{0xfa, 0xff, 0xff, 0xff, 0x0f}, 536870911, 2, 5}, // the largest field
		{protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3), 0, 0, -1},
		{[]byte{0x80}, 0, 0, -1},
		{nil, 0, 0, -1},
		{bytes.Repeat([]byte{0xff}, 11), 0, 0, -1},
	} {
		num, wt, n := ConsumeTag(c.in)
		if n != c.n || n > 0 && (num != c.num || wt != c.wt) {
			t.Errorf("ConsumeTag(%x) = %d, %d, %d; want %d, %d, %d", c.in, num, wt, n, c.num, c.wt, c.n)
		}
	}
}

func TestConsumeBytes(t *testing.T) {
	v, n := ConsumeBytes([]byte{2, 'h', 'i', 'x'})
	if string(v) != "hi" || n != 3 || cap(v) != 2 {
		t.Errorf("ConsumeBytes = %q (cap %d), %d", v, cap(v), n)
	}
	for _, in := range [][]byte{{3, 'h', 'i'}, {0x80}, append(bytes.Repeat([]byte{0xff}, 9), 1)} {
		if _, n := ConsumeBytes(in); n >= 0 {
			t.Errorf("ConsumeBytes(%x) = %d, want an error", in, n)
		}
	}
}

func TestAppendUnknown(t *testing.T) {
	raw := []byte{0x08, 0x01, 0xff}
	u := AppendUnknown(nil, raw[:2], 1, 1, protowire.VarintType)
	if &u[0] != &raw[0] || cap(u) != 2 {
		t.Error("the first canonical field is not aliased with its capacity capped")
	}
	u = AppendUnknown(u, []byte{0x88, 0x00, 0x05}, 2, 1, protowire.VarintType)
	if !bytes.Equal(u, []byte{0x08, 0x01, 0x08, 0x05}) || raw[2] != 0xff {
		t.Errorf("AppendUnknown = %x, want the tag rewritten, raw untouched", u)
	}
	if u := AppendUnknown(nil, []byte{0x88, 0x00, 0x05}, 2, 1, protowire.VarintType); !bytes.Equal(u, []byte{0x08, 0x05}) {
		t.Errorf("a non-minimal first tag gives %x", u)
	}
}

func TestCountField(t *testing.T) {
	b := []byte{0x0a, 0x00, 0x08, 0x01, 0x0a, 0x01, 'x', 0x12, 0x00, 0x0a}
	if n := CountField(b, 1, protowire.BytesType); n != 3 {
		t.Errorf("CountField = %d, want 3 (the truncated last field counts)", n)
	}
	if n := CountField(b, 1, protowire.VarintType); n != 1 {
		t.Errorf("CountField varint = %d, want 1", n)
	}
}

func TestHelpers(t *testing.T) {
	if String(nil) != "" || String([]byte("ab")) != "ab" {
		t.Error("String")
	}
	if CountVarints([]byte{0x80, 0x01, 0x05}) != 2 {
		t.Error("CountVarints")
	}
	if got := SortedKeys(map[string]int{"b": 1, "a": 2, "c": 3}); len(got) != 3 || got[0] != "a" || got[2] != "c" {
		t.Errorf("SortedKeys = %v", got)
	}
	if err := InvalidUTF8("p.M.f"); !errors.Is(err, ErrInvalidUTF8) || err.Error() != ErrInvalidUTF8.Error()+": p.M.f" {
		t.Errorf("InvalidUTF8 = %v", err)
	}
	if err := Unmarshal(nil, nil, 0); !errors.Is(err, ErrDepth) {
		t.Errorf("Unmarshal at depth 0 = %v", err)
	}
}

// TestValid: the ASCII fast path agrees with unicode/utf8 wherever the
// first non-ASCII byte falls, in the 8-byte words or in the tail.
func TestValid(t *testing.T) {
	bad := []string{"\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80"}
	good := []string{"é", "€", "😀"}
	for n := 0; n <= 20; n++ {
		for i := 0; i <= n; i++ {
			for _, ins := range append(bad, good...) {
				s := strings.Repeat("a", i) + ins + strings.Repeat("b", n-i)
				if got, want := ValidString(s), utf8.ValidString(s); got != want {
					t.Errorf("ValidString(%q) = %v, want %v", s, got, want)
				}
				if got, want := Valid([]byte(s)), utf8.Valid([]byte(s)); got != want {
					t.Errorf("Valid(%q) = %v, want %v", s, got, want)
				}
			}
		}
		if s := strings.Repeat("x", n); !ValidString(s) || !Valid([]byte(s)) {
			t.Errorf("ASCII %q not valid", s)
		}
	}
}

// TestAppend: the appenders write what protowire's do.
func TestAppend(t *testing.T) {
	for _, v := range []uint64{0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1 << 35, math.MaxUint64} {
		if got, want := AppendVarint([]byte{9}, v), protowire.AppendVarint([]byte{9}, v); !bytes.Equal(got, want) {
			t.Errorf("AppendVarint(%d) = %x, want %x", v, got, want)
		}
	}
	for _, s := range []string{"", "x", strings.Repeat("y", 200)} {
		if got, want := AppendString(nil, s), protowire.AppendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%d bytes) = %x, want %x", len(s), got, want)
		}
		if got, want := AppendBytes(nil, []byte(s)), protowire.AppendBytes(nil, []byte(s)); !bytes.Equal(got, want) {
			t.Errorf("AppendBytes(%d bytes) = %x, want %x", len(s), got, want)
		}
	}
}

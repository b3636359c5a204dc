package dnsmsg

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func sample() *Message {
	return &Message{
		ID:    7,
		Flags: FlagResponse | FlagAuthoritative,
		Questions: []Question{
			{Name: "_greeter._tcp.local.", Type: TypePTR, Class: ClassIN, Unicast: true},
		},
		Answers: []Record{
			{Name: "_greeter._tcp.local.", Type: TypePTR, Class: ClassIN, TTL: 120, Target: `node\.1._greeter._tcp.local.`},
		},
		Authorities: []Record{
			{Name: `node\.1._greeter._tcp.local.`, Type: TypeSRV, Class: ClassIN, CacheFlush: true, TTL: 120, Priority: 1, Weight: 2, Port: 8080, Target: "host.local."},
		},
		Additionals: []Record{
			{Name: `node\.1._greeter._tcp.local.`, Type: TypeTXT, Class: ClassIN, CacheFlush: true, TTL: 120, Text: []string{"a=b", "version=1"}},
			{Name: "host.local.", Type: TypeA, Class: ClassIN, CacheFlush: true, TTL: 120, Addr: netip.MustParseAddr("127.0.0.1")},
			{Name: "host.local.", Type: TypeAAAA, Class: ClassIN, CacheFlush: true, TTL: 120, Addr: netip.MustParseAddr("fe80::1")},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	m := sample()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got Message
	if err := got.Decode(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, *m)
	}
	// Compression: "_greeter._tcp.local." is written once.
	if n := strings.Count(string(b), "_greeter"); n != 1 {
		t.Errorf("_greeter written %d times, want 1 (compressed)", n)
	}
}

func TestSkipsUnknownTypes(t *testing.T) {
	m := sample()
	b, _ := m.Append(nil)
	// Rewrite the answer's type (PTR) to 99 and see it skipped.
	i := strings.Index(string(b), "\x00\x0c\x00\x01\x00\x00\x00\x78") // PTR IN ttl 120, after the name pointer
	if i < 0 {
		t.Fatal("answer not found")
	}
	b[i+1] = 99
	var got Message
	if err := got.Decode(b); err != nil {
		t.Fatal(err)
	}
	if len(got.Answers) != 0 || len(got.Authorities) != 1 || len(got.Additionals) != 3 {
		t.Fatalf("got %d/%d/%d records, want 0/1/3", len(got.Answers), len(got.Authorities), len(got.Additionals))
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
		want error
	}{
		{"label", Message{Questions: []Question{{Name: strings.Repeat("a", 64) + ".local.", Type: TypeA}}}, ErrLabelTooLong},
		{"empty label", Message{Questions: []Question{{Name: "a..local.", Type: TypeA}}}, ErrLabelTooLong},
		{"name", Message{Questions: []Question{{Name: strings.Repeat(strings.Repeat("a", 60)+".", 5), Type: TypeA}}}, ErrNameTooLong},
		{"txt", Message{Answers: []Record{{Name: "x.local.", Type: TypeTXT, Text: []string{strings.Repeat("k", 256)}}}}, ErrStringTooLong},
		{"A not v4", Message{Answers: []Record{{Name: "x.local.", Type: TypeA, Addr: netip.MustParseAddr("::1")}}}, ErrRecord},
		{"type", Message{Answers: []Record{{Name: "x.local.", Type: 99}}}, ErrRecord},
	} {
		if _, err := tc.m.Append(nil); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

func header(qd, an, ns, ar uint16) []byte {
	return []byte{0, 0, 0x84, 0, byte(qd >> 8), byte(qd), byte(an >> 8), byte(an), byte(ns >> 8), byte(ns), byte(ar >> 8), byte(ar)}
}

func TestDecodeErrors(t *testing.T) {
	good, _ := sample().Append(nil)
	ptrAt := func(b ...byte) []byte { return append(header(1, 0, 0, 0), b...) }
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", good[:11], ErrTruncated},
		{"counts", append(header(0, 0xFFFF, 0, 0), make([]byte, 100)...), ErrTruncated},
		{"self loop", ptrAt(0xC0, 12, 0, 1, 0, 1), ErrPointer},
		{"forward", ptrAt(0xC0, 14, 0, 1, 0, 1, 0), ErrPointer},
		{"two-pointer loop", ptrAt(1, 'a', 0xC0, 14, 0, 1, 0, 1), ErrPointer},
		{"label past end", ptrAt(9, 'a', 0, 1, 0, 1), ErrTruncated},
		{"label type", ptrAt(0x40, 0, 0, 1, 0, 1), ErrRecord},
		{"name too long", ptrAt(append([]byte(strings.Repeat("\x3f"+strings.Repeat("a", 63), 4)), 0, 0, 1, 0, 1)...), ErrNameTooLong},
		{"A length", append(header(0, 1, 0, 0), 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 3, 1, 2, 3), ErrRecord},
		{"rdata past end", append(header(0, 1, 0, 0), 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 1, 2, 3), ErrTruncated},
		{"txt past data", append(header(0, 1, 0, 0), 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 5, 'a'), ErrRecord},
		{"ptr past data", append(header(0, 1, 0, 0), 0, 0, 12, 0, 1, 0, 0, 0, 1, 0, 2, 3, 'a', 'b', 'c', 0), ErrTruncated},
	} {
		var m Message
		if err := m.Decode(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	for i := range len(good) {
		var m Message
		if err := m.Decode(good[:i]); err == nil {
			t.Errorf("decoding the first %d of %d bytes: no error", i, len(good))
		}
	}
}

func TestLabels(t *testing.T) {
	if got := EscapeLabel(`a.b\c`); got != `a\.b\\c` {
		t.Errorf("EscapeLabel = %q", got)
	}
	for _, tc := range [][3]string{
		{"a.b.local.", "a", "b.local."},
		{`a\.b.local.`, "a.b", "local."},
		{`a\\.x`, `a\`, "x"},
		{"abc", "abc", ""},
	} {
		l, r := FirstLabel(tc[0])
		if l != tc[1] || r != tc[2] {
			t.Errorf("FirstLabel(%q) = %q, %q; want %q, %q", tc[0], l, r, tc[1], tc[2])
		}
	}
}

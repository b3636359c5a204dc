package json

import (
	stdjson "encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkQuoted checks appendQuoted's literal for s: valid JSON and valid
// UTF-8, of the size quotedLen predicts, standing for wireText(s).
func checkQuoted(t *testing.T, s string) {
	t.Helper()
	lit := appendQuoted([]byte("prefix"), s)[len("prefix"):]
	if len(lit) != quotedLen(s) {
		t.Fatalf("%q: literal %s is %d bytes, quotedLen says %d", s, lit, len(lit), quotedLen(s))
	}
	if !utf8.Valid(lit) {
		t.Fatalf("%q: literal %q is not valid UTF-8", s, lit)
	}
	for _, c := range lit {
		if c < 0x20 {
			t.Fatalf("%q: literal %q holds control byte %#x", s, lit, c)
		}
	}
	var back string
	if err := stdjson.Unmarshal(lit, &back); err != nil {
		t.Fatalf("%q: literal %s: %v", s, lit, err)
	}
	if back != wireText(s) {
		t.Fatalf("%q: literal %s stands for %q, want %q", s, lit, back, wireText(s))
	}
}

func TestQuoteEveryByte(t *testing.T) {
	for c := range 256 {
		checkQuoted(t, string([]byte{byte(c)}))
		checkQuoted(t, "a"+string([]byte{byte(c)})+"b")
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain /path", `"plain /path"`},
		{`back\slash`, `"back\\slash"`}, // the bug of the format this replaces
		{`"quoted"`, `"\"quoted\""`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"\u00e9\u2028\U0001F600\uFFFD", "\"\u00e9\u2028\U0001F600\uFFFD\""},
		{"\xff", `"\ufffd"`},
		{"a\xe2\x82b", `"a\ufffd\ufffdb"`},       // a cut sequence: one per byte
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`}, // a surrogate encoded in UTF-8
		{"<&>", `"<&>"`},
	}
	for _, tt := range tests {
		if got := string(appendQuoted(nil, tt.in)); got != tt.want {
			t.Errorf("appendQuoted(%q) = %s, want %s", tt.in, got, tt.want)
		}
		checkQuoted(t, tt.in)
	}
}

func TestQuoteRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "\\", "\"", "\x00", "\x1f", "\n", "\u00e9", "\u2028", "\U0001F600", "\xff", "\xe2", "\x82", "\xf0\x9f"}
	for range 2000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkQuoted(t, b.String())
	}
}

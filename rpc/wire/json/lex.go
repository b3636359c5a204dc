package json

import (
	"bytes"
	stdjson "encoding/json"
	"math"
	"unicode/utf8"
)

// lexer reads JSON tokens from b, starting at p. It serves two kinds of
// input: member values that encoding/json has already checked, whose
// arrays it takes apart, and the unchecked start of a frame, in which it
// looks for the header; so every step checks its bounds and reports
// whether it found what it was asked for.
type lexer struct {
	b []byte
	p int
}

// isSpace reports whether c is JSON white space.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// space skips white space.
func (l *lexer) space() {
	for l.p < len(l.b) && isSpace(l.b[l.p]) {
		l.p++
	}
}

// eat skips white space, then c if it is next, and reports whether it was.
func (l *lexer) eat(c byte) bool {
	l.space()
	if l.p < len(l.b) && l.b[l.p] == c {
		l.p++
		return true
	}
	return false
}

// str skips white space and returns the string literal that follows,
// quotes included.
func (l *lexer) str() ([]byte, bool) {
	l.space()
	if l.p >= len(l.b) || l.b[l.p] != '"' {
		return nil, false
	}
	for i := l.p + 1; i < len(l.b); i++ {
		switch l.b[i] {
		case '\\':
			i++ // the escaped byte cannot end the literal
		case '"':
			lit := l.b[l.p : i+1]
			l.p = i + 1
			return lit, true
		}
	}
	return nil, false
}

// num skips white space and returns the number literal that follows. It
// fails unless a byte that cannot be part of a number comes after the
// literal, so that a literal cut short by the end of b is never taken for
// a smaller number.
func (l *lexer) num() ([]byte, bool) {
	l.space()
	i := l.p
	for i < len(l.b) && isNumByte(l.b[i]) {
		i++
	}
	if i == l.p || i == len(l.b) {
		return nil, false
	}
	lit := l.b[l.p:i]
	l.p = i
	return lit, true
}

// isNumByte reports whether c can be part of a JSON number.
func isNumByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// integer parses lit, a JSON value, as an integer written without a
// fraction or an exponent. ok is false for any other value, and for a
// magnitude beyond 64 bits.
func integer(lit []byte) (neg bool, mag uint64, ok bool) {
	if len(lit) > 0 && lit[0] == '-' {
		neg, lit = true, lit[1:]
	}
	if len(lit) == 0 {
		return false, 0, false
	}
	for _, c := range lit {
		if c < '0' || c > '9' {
			return false, 0, false
		}
		d := uint64(c - '0')
		if mag > (math.MaxUint64-d)/10 {
			return false, 0, false
		}
		mag = mag*10 + d
	}
	return neg, mag, true
}

// uintUpTo parses lit as an integer from 0 to limit.
func uintUpTo(lit []byte, limit uint64) (uint64, bool) {
	neg, mag, ok := integer(lit)
	if !ok || mag > limit || neg && mag != 0 {
		return 0, false
	}
	return mag, true
}

// int32Of parses lit as an integer within the int32 range.
func int32Of(lit []byte) (int32, bool) {
	neg, mag, ok := integer(lit)
	switch {
	case !ok:
		return 0, false
	case neg && mag <= -math.MinInt32:
		return int32(-int64(mag)), true
	case !neg && mag <= math.MaxInt32:
		return int32(mag), true
	}
	return 0, false
}

// appendText appends to dst the string that lit, a checked JSON value,
// stands for, and reports whether lit was a string. A literal without
// escapes that is valid UTF-8 is copied as it is; any other goes through
// encoding/json, which decodes the escapes and turns invalid UTF-8 and lone
// surrogates into U+FFFD.
func appendText(dst, lit []byte) ([]byte, bool) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return dst, false
	}
	content := lit[1 : len(lit)-1]
	if bytes.IndexByte(content, '\\') < 0 && utf8.Valid(content) {
		return append(dst, content...), true
	}
	var s string
	if err := stdjson.Unmarshal(lit, &s); err != nil {
		return dst, false
	}
	return append(dst, s...), true
}

package jsonrpc

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth caps the nesting of arrays and objects in a value, the value's
// own array or object included, so that a peer cannot make this package or
// a body codec recurse without bound.
const maxDepth = 1000

// errTooDeep reports a value nested deeper than maxDepth.
var errTooDeep = errors.New("nesting deeper than " + strconv.Itoa(maxDepth) + " levels")

// syntaxError reports bytes that are not JSON.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return e.msg + " at offset " + strconv.Itoa(e.off)
}

// span is the position of a token or value in a buffer: b[s:e]. The zero
// span stands for an absent member, as no token ends at offset 0.
type span struct{ s, e int }

func (sp span) ok() bool { return sp.e > 0 }

// isSpace reports JSON whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// skipSpace returns the offset of the first byte at or after i that is not
// whitespace, or len(b).
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scalarBytes marks the bytes that can be part of a number or a literal
// (true, false, null) and those, more, of a bare word that only looks like
// one: a top-level scalar ends at the first byte outside this set.
var scalarBytes = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	t['-'], t['+'], t['.'] = true, true, true
	return t
}()

// validate checks that b holds exactly one JSON value (RFC 8259), with
// optional whitespace around it, nested at most maxDepth deep. It returns
// errTooDeep or a *syntaxError. Like encoding/json, it does not check that
// strings are valid UTF-8.
func validate(b []byte) error {
	end, err := validValue(b, skipSpace(b, 0))
	if err != nil {
		return err
	}
	if i := skipSpace(b, end); i != len(b) {
		return &syntaxError{i, "data after the value"}
	}
	return nil
}

// validValue checks the value that starts at b[i] and returns the offset
// just past it. It keeps the kinds of the open containers in a bit set, so
// that it neither recurses nor allocates.
func validValue(b []byte, i int) (int, error) {
	var objects [maxDepth/64 + 1]uint64 // bit d: container d is an object
	depth := 0
	var err error
	for {
		// A value starts at b[i], perhaps after whitespace.
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, &syntaxError{i, "unexpected end of the value"}
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth == maxDepth {
				return i, errTooDeep
			}
			obj := c == '{'
			if obj {
				objects[depth/64] |= 1 << (depth % 64)
			} else {
				objects[depth/64] &^= 1 << (depth % 64)
			}
			depth++
			i = skipSpace(b, i+1)
			if i < len(b) && (obj && b[i] == '}' || !obj && b[i] == ']') {
				i++
				depth--
				break // an empty container is a whole value
			}
			if obj {
				if i, err = validKey(b, i); err != nil {
					return i, err
				}
			}
			continue // the first element's value
		case c == '"':
			i, err = validString(b, i)
		case c == '-' || c >= '0' && c <= '9':
			i, err = validNumber(b, i)
		case c == 't':
			i, err = validLiteral(b, i, "true")
		case c == 'f':
			i, err = validLiteral(b, i, "false")
		case c == 'n':
			i, err = validLiteral(b, i, "null")
		default:
			return i, &syntaxError{i, "invalid character " + quoteByte(c) + " looking for a value"}
		}
		if err != nil {
			return i, err
		}
		// A value ended: close containers until one has a next element.
		for {
			if depth == 0 {
				return i, nil
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, &syntaxError{i, "unexpected end of the value"}
			}
			obj := objects[(depth-1)/64]&(1<<((depth-1)%64)) != 0
			c := b[i]
			if c == ',' {
				i++
				if obj {
					if i, err = validKey(b, skipSpace(b, i)); err != nil {
						return i, err
					}
				}
				break
			}
			if obj && c == '}' || !obj && c == ']' {
				i++
				depth--
				continue
			}
			after := "an array element, want ',' or ']'"
			if obj {
				after = "an object member, want ',' or '}'"
			}
			return i, &syntaxError{i, "invalid character " + quoteByte(c) + " after " + after}
		}
	}
}

// validKey checks a member name and its colon at b[i] and returns the
// offset just past the colon.
func validKey(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, &syntaxError{i, "a member name must be a string"}
	}
	i, err := validString(b, i)
	if err != nil {
		return i, err
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, &syntaxError{i, "missing ':' after a member name"}
	}
	return i + 1, nil
}

// validString checks the string that starts at b[i] and returns the offset
// just past its closing quote.
func validString(b []byte, i int) (int, error) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return i, &syntaxError{i, "control character in a string"}
		case c == '\\':
			i++
			if i >= len(b) {
				return i, &syntaxError{i, "unexpected end of the value"}
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return len(b), &syntaxError{len(b), "unexpected end of the value"}
				}
				for _, h := range b[i+1 : i+5] {
					if hexVal(h) < 0 {
						return i, &syntaxError{i, "invalid \\u escape"}
					}
				}
				i += 4
			default:
				return i, &syntaxError{i, "invalid escape in a string"}
			}
		}
	}
	return i, &syntaxError{i, "unexpected end of the value"}
}

// validNumber checks the number that starts at b[i] and returns the offset
// just past it.
func validNumber(b []byte, i int) (int, error) {
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i + 1)
	default:
		return i, &syntaxError{i, "invalid number"}
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return j, &syntaxError{j, "invalid number: no digit after '.'"}
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return j, &syntaxError{j, "invalid number: no digit in the exponent"}
		}
		i = j
	}
	return i, nil
}

// validLiteral checks that b[i:] starts with lit.
func validLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, &syntaxError{i, "invalid literal, want " + lit}
	}
	return i + len(lit), nil
}

// quoteByte shows a byte in an error message: quoted when it is printable
// ASCII, else as a hexadecimal number.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	const hex = "0123456789abcdef"
	return string([]byte{'0', 'x', hex[c>>4], hex[c&0xf]})
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// The functions below walk values that validate accepted, so they check
// nothing and never run past the end of b.

// structural marks the bytes skipValue and the stream scanner stop at
// outside strings.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipString returns the offset just past the string that starts at b[i].
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		j += i
		if backslashes(b[i:j])%2 == 0 {
			return j + 1
		}
		i = j + 1 // an escaped quote
	}
}

// backslashes counts the backslashes at the end of b.
func backslashes(b []byte) int {
	n := 0
	for n < len(b) && b[len(b)-1-n] == '\\' {
		n++
	}
	return n
}

// skipValue returns the offset just past the value that starts at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			c := b[i]
			if !structural[c] {
				i++
				continue
			}
			switch c {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			default:
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) && scalarBytes[b[i]] {
		i++
	}
	return i
}

// iter walks the members of a valid object or the elements of a valid
// array; i starts just after the opening bracket.
type iter struct {
	b []byte
	i int
}

// member returns the next member's name (with its quotes) and value.
func (it *iter) member() (k, v span, ok bool) {
	b := it.b
	i := skipSpace(b, it.i)
	if b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	if b[i] == '}' {
		return span{}, span{}, false
	}
	k = span{i, skipString(b, i)}
	i = skipSpace(b, skipSpace(b, k.e)+1) // past the colon
	v = span{i, skipValue(b, i)}
	it.i = v.e
	return k, v, true
}

// elem returns the next element.
func (it *iter) elem() (v span, ok bool) {
	b := it.b
	i := skipSpace(b, it.i)
	if b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	if b[i] == ']' {
		return span{}, false
	}
	v = span{i, skipValue(b, i)}
	it.i = v.e
	return v, true
}

// count returns the number of elements or members after it, without
// moving it.
func (it iter) count() int {
	n := 0
	for {
		if _, ok := it.elem(); !ok {
			return n
		}
		n++
	}
}

// hasEscape reports whether a valid string token contains an escape.
func hasEscape(tok []byte) bool {
	for _, c := range tok {
		if c == '\\' {
			return true
		}
	}
	return false
}

// stringIs reports whether the valid string token tok (quotes included)
// decodes to s, without allocating.
func stringIs(tok []byte, s string) bool {
	if plain(tok) {
		return string(tok[1:len(tok)-1]) == s
	}
	var buf [64]byte // enough for the names this package looks for
	return string(appendUnquoted(buf[:0], tok)) == s
}

// plain reports whether a valid string token decodes to its own bytes: it
// has no escape and is valid UTF-8.
func plain(tok []byte) bool { return !hasEscape(tok) && utf8.Valid(tok) }

// memberName returns the decoded member name tok: the token's own bytes,
// or the name decoded into buf. A token with escapes longer than 62 bytes
// gives nil: it cannot spell a name of 10 bytes or less, which all the
// names this package looks for are, as an escape is at most 6 bytes for
// one byte of a name.
func memberName(tok []byte, buf *[64]byte) []byte {
	if plain(tok) {
		return tok[1 : len(tok)-1]
	}
	if len(tok) > 62 {
		return nil
	}
	return appendUnquoted(buf[:0], tok)
}

// unquote decodes the valid string token tok (quotes included).
func unquote(tok []byte) string {
	if plain(tok) {
		return string(tok[1 : len(tok)-1])
	}
	return string(appendUnquoted(nil, tok))
}

// appendUnquoted appends the decoded form of the valid string token tok.
// Like encoding/json, it turns each byte of invalid UTF-8, and each \u
// escape of a lone surrogate, into U+FFFD, so that strings read are valid
// UTF-8.
func appendUnquoted(dst, tok []byte) []byte {
	for i := 1; i < len(tok)-1; i++ {
		c := tok[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(tok[i : len(tok)-1])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, tok[i:i+size]...)
			}
			i += size - 1
			continue
		}
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch tok[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(tok[i+1:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 < len(tok) && tok[i+1] == '\\' && tok[i+2] == 'u' {
					r2 = hex4(tok[i+3:])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, tok[i])
		}
	}
	return dst
}

func hex4(b []byte) rune {
	return rune(hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3]))
}

// appendQuoted appends s as a JSON string. It escapes what JSON requires
// and U+2028 and U+2029 (which JavaScript does not allow in strings), and
// writes invalid UTF-8 as U+FFFD, so that the output is valid UTF-8.
func appendQuoted(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			switch r {
			case utf8.RuneError:
				dst = append(dst, `\ufffd`...)
			default:
				dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

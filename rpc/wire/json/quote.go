package json

import "unicode/utf8"

// asciiEscape holds, for each ASCII byte, the escape that a JSON string
// needs for it, or "" when the byte stands for itself.
var asciiEscape = asciiEscapes()

func asciiEscapes() (t [utf8.RuneSelf]string) {
	const hex = "0123456789abcdef"
	for c := range byte(0x20) {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&0xf])
	}
	t['\b'], t['\f'], t['\n'], t['\r'], t['\t'] = `\b`, `\f`, `\n`, `\r`, `\t`
	t['"'], t['\\'] = `\"`, `\\`
	return t
}

// replacement is the escape written for a byte that is not part of valid
// UTF-8: U+FFFD, the replacement character.
const replacement = `\ufffd`

// quotedLen returns the size of the literal that appendQuoted makes of s.
func quotedLen(s string) int {
	n := len(`""`)
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if e := asciiEscape[c]; e != "" {
				n += len(e)
			} else {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += len(replacement)
		} else {
			n += size
		}
		i += size
	}
	return n
}

// appendQuoted appends s to dst as a JSON string literal, as RFC 8259
// requires: it escapes the quotation mark, the reverse solidus and the
// control characters below U+0020 (with the short forms \b \f \n \r \t
// where they exist), copies every other character as it is, and writes
// each byte that is not part of valid UTF-8 as \ufffd, so that the result
// is always valid UTF-8.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if e := asciiEscape[c]; e != "" {
				dst = append(dst, s[start:i]...)
				dst = append(dst, e...)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, replacement...)
			start = i + 1
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

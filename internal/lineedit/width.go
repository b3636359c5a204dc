package lineedit

import "unicode"

// runeWidth returns the columns r takes on a terminal: 0 for controls,
// combining marks and format characters, 2 for East Asian wide and
// fullwidth characters and most emoji, 1 otherwise.
func runeWidth(r rune) int {
	switch {
	case r < 0x20 || r >= 0x7f && r < 0xa0:
		return 0
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

// isWide reports whether r is East Asian wide or fullwidth, or an emoji
// terminals draw two columns wide.
func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115f, // Hangul Jamo initial consonants
		r >= 0x2e80 && r <= 0x303e,   // CJK radicals, Kangxi, CJK symbols and punctuation
		r >= 0x3041 && r <= 0x33ff,   // kana, Bopomofo, Hangul compatibility, CJK compatibility
		r >= 0x3400 && r <= 0x4dbf,   // CJK unified ideographs extension A
		r >= 0x4e00 && r <= 0x9fff,   // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf,   // Yi
		r >= 0xac00 && r <= 0xd7a3,   // Hangul syllables
		r >= 0xf900 && r <= 0xfaff,   // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f,   // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60,   // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,   // fullwidth signs
		r >= 0x1f300 && r <= 0x1f64f, // pictographs, emoticons
		r >= 0x1f900 && r <= 0x1f9ff, // supplemental symbols and pictographs
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B and later
		return true
	}
	return false
}

// runesWidth returns the columns rs take.
func runesWidth(rs []rune) int {
	n := 0
	for _, r := range rs {
		n += runeWidth(r)
	}
	return n
}

// promptWidth returns the columns a prompt takes: its runes, less the
// ANSI escape sequences (colours) it may hold.
func promptWidth(s string) int {
	n := 0
	esc := false
	for i, r := range s {
		switch {
		case esc:
			// A CSI sequence ends with a byte in '@'..'~' after "\x1b[".
			if r >= '@' && r <= '~' && !(r == '[' && s[i-1] == 0x1b) {
				esc = false
			}
		case r == 0x1b:
			esc = true
		default:
			n += runeWidth(r)
		}
	}
	return n
}

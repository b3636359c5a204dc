package lineedit

import (
	"bufio"
	"unicode/utf8"
)

// action is what a key asks of the editor.
type action int

const (
	actNone      action = iota // a key the editor ignores
	actInsert                  // insert key.r
	actEnter                   // return the line
	actInterrupt               // Ctrl-C
	actEOF                     // Ctrl-D: delete, or end of input on an empty line
	actLeft
	actRight
	actHome
	actEnd
	actWordLeft
	actWordRight
	actBackspace
	actDelete
	actKillEnd   // Ctrl-K
	actKillStart // Ctrl-U
	actKillWord  // Ctrl-W
	actYank      // Ctrl-Y
	actClear     // Ctrl-L
	actPrev      // Up, Ctrl-P
	actNext      // Down, Ctrl-N
	actComplete  // Tab
)

// key is one key press: an action, and the rune of actInsert.
type key struct {
	act action
	r   rune
}

// ctrl returns the control character of a letter: ctrl('A') is 0x01.
func ctrl(c byte) rune { return rune(c & 0x1f) }

// controlAction maps the control characters the editor knows to actions.
func controlAction(r rune) action {
	switch r {
	case '\r', '\n':
		return actEnter
	case ctrl('C'):
		return actInterrupt
	case ctrl('D'):
		return actEOF
	case ctrl('A'):
		return actHome
	case ctrl('E'):
		return actEnd
	case ctrl('B'):
		return actLeft
	case ctrl('F'):
		return actRight
	case ctrl('H'), 0x7f:
		return actBackspace
	case ctrl('K'):
		return actKillEnd
	case ctrl('U'):
		return actKillStart
	case ctrl('W'):
		return actKillWord
	case ctrl('Y'):
		return actYank
	case ctrl('L'):
		return actClear
	case ctrl('P'):
		return actPrev
	case ctrl('N'):
		return actNext
	case '\t':
		return actComplete
	}
	return actNone
}

// readKey reads one key press from r: a rune, a control character, or an
// escape sequence (ESC [ ..., ESC O x, or ESC and a letter for Alt). It
// returns the reader's error, io.EOF at the end of input.
func readKey(r *bufio.Reader) (key, error) {
	c, size, err := r.ReadRune()
	if err != nil {
		return key{}, err
	}
	switch {
	case c == utf8.RuneError && size == 1:
		return key{}, nil // a byte that is not UTF-8
	case c == 0x1b:
		return readEscape(r)
	case c < 0x20 || c == 0x7f:
		return key{act: controlAction(c)}, nil
	case c >= 0x80 && c < 0xa0:
		return key{}, nil // C1 controls
	}
	return key{act: actInsert, r: c}, nil
}

// readEscape reads the rest of an escape sequence, its ESC read.
func readEscape(r *bufio.Reader) (key, error) {
	b, err := r.ReadByte()
	if err != nil {
		return key{}, err
	}
	switch b {
	case '[':
		return readCSI(r)
	case 'O': // SS3: the cursor keys in application mode
		f, err := r.ReadByte()
		if err != nil {
			return key{}, err
		}
		return key{act: finalAction(f)}, nil
	case 'b', 'B':
		return key{act: actWordLeft}, nil
	case 'f', 'F':
		return key{act: actWordRight}, nil
	}
	return key{}, nil
}

// readCSI reads a control sequence after "ESC [": parameter bytes, then
// intermediate bytes, then a final byte.
func readCSI(r *bufio.Reader) (key, error) {
	var params []byte
	for {
		b, err := r.ReadByte()
		if err != nil {
			return key{}, err
		}
		switch {
		case b >= 0x20 && b <= 0x3f: // parameters and intermediates
			if len(params) < 16 {
				params = append(params, b)
			}
			continue
		case b < 0x40 || b > 0x7e:
			return key{}, nil // not a control sequence after all
		}
		return key{act: csiAction(string(params), b)}, nil
	}
}

// finalAction maps the final byte of a cursor key's sequence to an action.
func finalAction(f byte) action {
	switch f {
	case 'A':
		return actPrev
	case 'B':
		return actNext
	case 'C':
		return actRight
	case 'D':
		return actLeft
	case 'H':
		return actHome
	case 'F':
		return actEnd
	}
	return actNone
}

// csiAction maps a control sequence to an action: the cursor keys, with
// Ctrl ("1;5C") moving by words, and the "N~" keys of the editing pad.
func csiAction(params string, final byte) action {
	if final == '~' {
		switch params {
		case "1", "7":
			return actHome
		case "4", "8":
			return actEnd
		case "3":
			return actDelete
		}
		return actNone
	}
	a := finalAction(final)
	if params == "1;5" || params == "5" {
		switch a {
		case actLeft:
			return actWordLeft
		case actRight:
			return actWordRight
		}
	}
	return a
}

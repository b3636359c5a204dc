package lineedit

import (
	"slices"
	"strconv"
	"unicode"
)

// line is the line being edited in raw mode, and how it shows.
type line struct {
	e      *Editor
	prompt string
	buf    []rune
	pos    int  // the cursor, an index into buf
	hidden bool // a password: the text is not shown
	hidx   int  // the history entry shown; len(history) for the new line
	saved  []rune
	out    []byte // what refresh writes, kept to reuse its memory
}

// maxLine is the most runes a line holds: keys that would make it longer
// ring the bell instead. Ctrl-U and Ctrl-Y, repeated, double a line.
const maxLine = 1 << 16

// insert inserts rs at the cursor, and reports false, inserting nothing,
// when the line would grow past maxLine.
func (l *line) insert(rs ...rune) bool {
	if len(l.buf)+len(rs) > maxLine {
		return false
	}
	l.buf = slices.Insert(l.buf, l.pos, rs...)
	l.pos += len(rs)
	return true
}

// replace replaces buf[from:to] with rs and puts the cursor after them.
func (l *line) replace(from, to int, rs []rune) {
	if len(l.buf)-(to-from)+len(rs) > maxLine {
		return
	}
	l.buf = slices.Replace(l.buf, from, to, rs...)
	l.pos = from + len(rs)
}

// cut removes buf[from:to], keeps it for Ctrl-Y and puts the cursor at
// from. It reports whether there was anything to cut.
func (l *line) cut(from, to int) bool {
	if from >= to {
		return false
	}
	l.e.killed = slices.Clone(l.buf[from:to])
	l.buf = slices.Delete(l.buf, from, to)
	l.pos = from
	return true
}

func (l *line) backspace() bool {
	if l.pos == 0 {
		return false
	}
	l.buf = slices.Delete(l.buf, l.pos-1, l.pos)
	l.pos--
	return true
}

func (l *line) deleteChar() bool {
	if l.pos == len(l.buf) {
		return false
	}
	l.buf = slices.Delete(l.buf, l.pos, l.pos+1)
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// wordLeft returns the start of the word before the cursor, words being
// runs of letters, digits and '_' (Alt-B).
func (l *line) wordLeft() int {
	i := l.pos
	for i > 0 && !isWordRune(l.buf[i-1]) {
		i--
	}
	for i > 0 && isWordRune(l.buf[i-1]) {
		i--
	}
	return i
}

// wordRight returns the end of the word after the cursor (Alt-F).
func (l *line) wordRight() int {
	i := l.pos
	for i < len(l.buf) && !isWordRune(l.buf[i]) {
		i++
	}
	for i < len(l.buf) && isWordRune(l.buf[i]) {
		i++
	}
	return i
}

// spaceWordLeft returns the start of the white-space delimited word before
// the cursor (Ctrl-W).
func (l *line) spaceWordLeft() int {
	i := l.pos
	for i > 0 && unicode.IsSpace(l.buf[i-1]) {
		i--
	}
	for i > 0 && !unicode.IsSpace(l.buf[i-1]) {
		i--
	}
	return i
}

// history moves to history entry i (len(history) is the new line),
// keeping the new line while older ones show. It reports whether it moved.
func (l *line) history(i int) bool {
	h := l.e.history
	if i < 0 || i > len(h) || i == l.hidx {
		return false
	}
	if l.hidx == len(h) {
		l.saved = slices.Clone(l.buf)
	}
	l.hidx = i
	if i == len(h) {
		l.buf = slices.Clone(l.saved)
	} else {
		l.buf = []rune(h[i])
	}
	l.pos = len(l.buf)
	return true
}

// refresh draws the prompt and the line on the terminal's current row and
// puts the cursor where it belongs. A line wider than the terminal shows
// the part around the cursor; the last column stays free, so that the
// terminal never wraps.
func (l *line) refresh() error {
	cols := l.e.width()
	pw := promptWidth(l.prompt)
	var shown []rune
	cursor := 0
	if !l.hidden {
		avail := max(cols-pw-1, 1)
		start, w := 0, runesWidth(l.buf[:l.pos])
		for w > avail && start < l.pos {
			w -= runeWidth(l.buf[start])
			start++
		}
		end := l.pos
		for end < len(l.buf) && w+runeWidth(l.buf[end]) <= avail {
			w += runeWidth(l.buf[end])
			end++
		}
		shown = l.buf[start:end]
		cursor = runesWidth(l.buf[start:l.pos])
	}
	b := append(l.out[:0], '\r')
	b = append(b, l.prompt...)
	b = append(b, string(shown)...)
	b = append(b, "\x1b[K\r"...) // erase the rest of the row, back to its start
	if c := pw + cursor; c > 0 {
		b = append(b, "\x1b["...)
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, 'C')
	}
	l.out = b
	_, err := l.e.out.Write(b)
	return err
}

package lineedit

import (
	"io"
	"strings"
	"unicode/utf8"
)

// completeWord completes the word at the cursor with e.complete: one
// candidate replaces it; several replace it with their common prefix when
// that is longer, or are listed; none rings the bell.
func (e *Editor) completeWord(l *line) error {
	if e.complete == nil {
		return e.bell()
	}
	s := string(l.buf)
	pos := len(string(l.buf[:l.pos]))
	start, cands := e.complete(s, pos)
	if start < 0 || start > pos || !utf8.ValidString(s[:start]) || start < len(s) && !utf8.RuneStart(s[start]) {
		return e.bell() // the callback pointed outside the line, or into a rune
	}
	word := s[start:pos]
	from := utf8.RuneCountInString(s[:start])
	switch len(cands) {
	case 0:
		return e.bell()
	case 1:
		l.replace(from, l.pos, []rune(cands[0]))
		return l.refresh()
	}
	if p := commonPrefix(cands); len(p) > len(word) {
		l.replace(from, l.pos, []rune(p))
		return l.refresh()
	}
	return e.list(l, cands)
}

// commonPrefix returns the longest prefix, in whole runes, that every
// string of ss starts with.
func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		n := 0
		for n < len(p) && n < len(s) && p[n] == s[n] {
			n++
		}
		p = p[:n]
	}
	for len(p) > 0 && !utf8.ValidString(p) {
		p = p[:len(p)-1] // the strings differ within a rune
	}
	return p
}

// list writes the candidates below the line, in columns down then across,
// in the order given, then draws the line again under them.
func (e *Editor) list(l *line, cands []string) error {
	texts := make([]string, len(cands))
	colw := 0
	for i, c := range cands {
		texts[i] = strings.TrimRight(c, " ")
		colw = max(colw, promptWidth(texts[i])+2)
	}
	ncol := max(e.width()/colw, 1)
	nrow := (len(texts) + ncol - 1) / ncol
	var b strings.Builder
	b.WriteString("\r\n")
	for r := range nrow {
		for c := range ncol {
			i := c*nrow + r
			if i >= len(texts) {
				break
			}
			b.WriteString(texts[i])
			if next := (c+1)*nrow + r; next < len(texts) {
				b.WriteString(strings.Repeat(" ", colw-promptWidth(texts[i])))
			}
		}
		b.WriteString("\r\n")
	}
	if _, err := io.WriteString(e.out, b.String()); err != nil {
		return err
	}
	return l.refresh()
}

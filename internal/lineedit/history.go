package lineedit

import (
	"bufio"
	"io"
	"slices"
	"strings"
)

// AddHistory adds line to the end of the history, unless it is blank or
// the same as the last line there. The oldest lines go when the history
// is full.
func (e *Editor) AddHistory(line string) {
	if e.size == 0 || strings.TrimSpace(line) == "" {
		return
	}
	if n := len(e.history); n > 0 && e.history[n-1] == line {
		return
	}
	e.history = append(e.history, line)
	if over := len(e.history) - e.size; over > 0 {
		e.history = slices.Delete(e.history, 0, over)
	}
}

// History returns a copy of the history, oldest line first.
func (e *Editor) History() []string { return slices.Clone(e.history) }

// LoadHistory adds the lines read from r to the history, as AddHistory
// does, oldest first: the format of a GNU readline history file, which
// SaveHistory writes.
func (e *Editor) LoadHistory(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		e.AddHistory(strings.TrimSuffix(sc.Text(), "\r"))
	}
	return sc.Err()
}

// SaveHistory writes the history to w, one line per line, oldest first.
func (e *Editor) SaveHistory(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, l := range e.history {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

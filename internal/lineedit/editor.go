package lineedit

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"sync"
)

// DefaultHistorySize is how many lines the history keeps when
// [Options.HistorySize] is zero.
const DefaultHistorySize = 1000

// ErrInterrupted is the error of [Editor.ReadLine] when Ctrl-C drops the
// line being typed.
var ErrInterrupted = errors.New("lineedit: interrupted")

// ErrClosed is the error of [Editor.ReadLine] after [Editor.Close].
var ErrClosed = errors.New("lineedit: editor closed")

// CompleteFunc completes the word at the cursor: given the line and the
// cursor's byte offset in it, it returns the byte offset where the word
// starts (0 <= start <= pos) and the texts that may replace line[start:pos].
// A candidate may end with a space, to complete the word and start the
// next one.
type CompleteFunc func(line string, pos int) (start int, candidates []string)

// Options configures an [Editor]. A nil *Options is the zero Options.
type Options struct {
	// Complete completes the word at the cursor when Tab is pressed; nil
	// means Tab does nothing.
	Complete CompleteFunc
	// HistorySize is the most lines the history keeps, the oldest going
	// first. Zero means DefaultHistorySize; a negative size keeps none.
	HistorySize int
}

// Editor reads lines, editing them on a terminal when it has one. Create
// it with [New]. It is not safe for concurrent use, except for Close.
type Editor struct {
	in       *bufio.Reader
	out      io.Writer
	term     Terminal
	complete CompleteFunc
	size     int      // the history's capacity
	history  []string // oldest first
	killed   []rune   // what Ctrl-K, Ctrl-U or Ctrl-W cut last

	mu      sync.Mutex
	restore func() error // the pending restore of raw mode, or nil
	closed  bool
}

// New returns an editor that reads keys from in and writes to out. term is
// the terminal in reads from, or nil when in is not a terminal: the editor
// then writes the prompt and reads plain lines, without echo or editing.
// opts may be nil.
func New(in io.Reader, out io.Writer, term Terminal, opts *Options) *Editor {
	e := &Editor{in: bufio.NewReader(in), out: out, term: term, size: DefaultHistorySize}
	if opts != nil {
		e.complete = opts.Complete
		switch {
		case opts.HistorySize < 0:
			e.size = 0
		case opts.HistorySize > 0:
			e.size = opts.HistorySize
		}
	}
	return e
}

// IsTerminal reports whether the editor edits on a terminal, rather than
// reading plain lines.
func (e *Editor) IsTerminal() bool { return e.term != nil }

// ReadLine writes prompt and returns the line typed after it, without its
// line ending. On a terminal it blocks in raw mode until Enter, and
// returns [ErrInterrupted] on Ctrl-C and io.EOF on Ctrl-D at an empty line
// or at the end of input, having restored the terminal's mode in every
// case. Without a terminal it reads up to a newline, and returns a last
// line that has none, then io.EOF. The editor writes a line ending after
// the line on a terminal, not after io.EOF: the caller writes what it
// wants there.
func (e *Editor) ReadLine(prompt string) (string, error) {
	return e.read(prompt, false)
}

// ReadPassword reads a line as [Editor.ReadLine] does but does not show
// it, and offers neither history nor completion. Without a terminal it
// reads a plain line, which the caller's terminal, if any, echoes.
func (e *Editor) ReadPassword(prompt string) (string, error) {
	return e.read(prompt, true)
}

func (e *Editor) read(prompt string, hidden bool) (s string, err error) {
	// The lock is held while the mode changes, so that a Close meanwhile
	// waits and then restores it.
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return "", ErrClosed
	}
	var rawErr error
	if e.term != nil {
		e.restore, rawErr = e.term.MakeRaw()
	}
	raw := e.term != nil && rawErr == nil
	e.mu.Unlock()
	if !raw {
		return e.plain(prompt)
	}
	defer func() {
		if rerr := e.unraw(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	return e.edit(prompt, hidden)
}

// unraw gives the terminal back its mode, if ReadLine changed it and
// Close has not restored it already.
func (e *Editor) unraw() error {
	e.mu.Lock()
	restore := e.restore
	e.restore = nil
	e.mu.Unlock()
	if restore == nil {
		return nil
	}
	return restore()
}

// Close restores the terminal's mode if a ReadLine in progress changed it,
// and makes later reads return [ErrClosed]; a ReadLine waiting for a key
// returns ErrClosed when the key comes. It does not close the reader or
// the writer. Close may be called from any goroutine, such as that of a
// signal handler about to end the program, and more than once.
func (e *Editor) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	return e.unraw()
}

func (e *Editor) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// plain writes the prompt and reads a line, without a terminal.
func (e *Editor) plain(prompt string) (string, error) {
	if prompt != "" {
		if _, err := io.WriteString(e.out, prompt); err != nil {
			return "", err
		}
	}
	s, err := e.in.ReadString('\n')
	if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
		return "", err
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// width returns the terminal's width, 80 when it does not say.
func (e *Editor) width() int {
	if w := e.term.Width(); w > 0 {
		return w
	}
	return 80
}

// bell rings the terminal's bell.
func (e *Editor) bell() error {
	_, err := io.WriteString(e.out, "\a")
	return err
}

// edit reads keys in raw mode until the line is entered or dropped.
func (e *Editor) edit(prompt string, hidden bool) (string, error) {
	l := &line{e: e, prompt: prompt, hidden: hidden, hidx: len(e.history)}
	if err := l.refresh(); err != nil {
		return "", err
	}
	for {
		k, err := readKey(e.in)
		if errors.Is(err, io.EOF) && len(l.buf) > 0 {
			return l.finish() // the input ended after a line without Enter
		}
		if err != nil {
			return "", err
		}
		if e.isClosed() {
			return "", ErrClosed
		}
		changed := true
		switch k.act {
		case actNone:
			changed = false
		case actInsert:
			if changed = l.insert(k.r); !changed {
				err = e.bell()
			}
		case actEnter:
			return l.finish()
		case actInterrupt:
			if _, err := io.WriteString(e.out, "^C\r\n"); err != nil {
				return "", err
			}
			return "", ErrInterrupted
		case actEOF:
			if len(l.buf) == 0 {
				return "", io.EOF
			}
			changed = l.deleteChar()
		case actLeft:
			changed = l.pos > 0
			l.pos = max(l.pos-1, 0)
		case actRight:
			changed = l.pos < len(l.buf)
			l.pos = min(l.pos+1, len(l.buf))
		case actHome:
			l.pos = 0
		case actEnd:
			l.pos = len(l.buf)
		case actWordLeft:
			l.pos = l.wordLeft()
		case actWordRight:
			l.pos = l.wordRight()
		case actBackspace:
			changed = l.backspace()
		case actDelete:
			changed = l.deleteChar()
		case actKillEnd:
			changed = l.cut(l.pos, len(l.buf))
		case actKillStart:
			changed = l.cut(0, l.pos)
		case actKillWord:
			changed = l.cut(l.spaceWordLeft(), l.pos)
		case actYank:
			if changed = l.insert(e.killed...); !changed {
				err = e.bell()
			}
		case actClear:
			if _, err := io.WriteString(e.out, "\x1b[H\x1b[2J"); err != nil {
				return "", err
			}
		case actPrev, actNext:
			step := -1
			if k.act == actNext {
				step = 1
			}
			if hidden || !l.history(l.hidx+step) {
				changed = false
				err = e.bell()
			}
		case actComplete:
			changed = false
			if !hidden {
				err = e.completeWord(l)
			}
		}
		if err != nil {
			return "", err
		}
		if changed {
			if err := l.refresh(); err != nil {
				return "", err
			}
		}
	}
}

// finish shows the whole end of the line, moves to the next row and
// returns the line.
func (l *line) finish() (string, error) {
	l.pos = len(l.buf)
	if err := l.refresh(); err != nil {
		return "", err
	}
	if _, err := io.WriteString(l.e.out, "\r\n"); err != nil {
		return "", err
	}
	return string(l.buf), nil
}

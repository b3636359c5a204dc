package lineedit

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// fakeTerm is a Terminal that counts its mode changes.
type fakeTerm struct {
	width int
	fail  bool          // MakeRaw fails
	rawCh chan struct{} // if set, receives a value at each MakeRaw

	mu       sync.Mutex
	raw      bool
	made     int
	restored int
}

func (f *fakeTerm) MakeRaw() (func() error, error) {
	if f.fail {
		return nil, errors.New("fake: no raw mode")
	}
	f.mu.Lock()
	f.raw = true
	f.made++
	f.mu.Unlock()
	if f.rawCh != nil {
		f.rawCh <- struct{}{}
	}
	return func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.raw = false
		f.restored++
		return nil
	}, nil
}

func (f *fakeTerm) Width() int { return f.width }

// state returns whether the terminal is raw and how often it was made raw
// and restored.
func (f *fakeTerm) state() (raw bool, made, restored int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.raw, f.made, f.restored
}

// screen is a terminal screen that understands what the editor writes:
// text, CR, LF, BEL, and the sequences ESC [ K, ESC [ n C, ESC [ H and
// ESC [ 2 J. It fails the test on anything else.
type screen struct {
	t     *testing.T
	cols  int
	rows  [][]rune // cells; a wide rune is followed by a 0 cell
	row   int
	col   int
	bells int
}

func newScreen(t *testing.T, cols int) *screen {
	return &screen{t: t, cols: cols, rows: [][]rune{nil}}
}

func (s *screen) cell(col int) {
	for len(s.rows[s.row]) <= col {
		s.rows[s.row] = append(s.rows[s.row], ' ')
	}
}

// feed interprets out.
func (s *screen) feed(out []byte) {
	s.t.Helper()
	for len(out) > 0 {
		r, n := utf8.DecodeRune(out)
		out = out[n:]
		switch {
		case r == '\r':
			s.col = 0
		case r == '\n':
			s.row++
			if s.row == len(s.rows) {
				s.rows = append(s.rows, nil)
			}
		case r == '\a':
			s.bells++
		case r == 0x1b:
			end := bytes.IndexFunc(out, func(r rune) bool { return r >= '@' && r <= '~' && r != '[' })
			if len(out) == 0 || out[0] != '[' || end < 0 {
				s.t.Fatalf("screen: unknown escape %q", out)
			}
			param, final := string(out[1:end]), out[end]
			out = out[end+1:]
			switch {
			case final == 'K' && param == "":
				if s.col < len(s.rows[s.row]) {
					s.rows[s.row] = s.rows[s.row][:s.col]
				}
			case final == 'C':
				n, err := strconv.Atoi(param)
				if err != nil {
					s.t.Fatalf("screen: bad ESC [ %q C", param)
				}
				s.col = min(s.col+n, s.cols-1)
			case final == 'H' && param == "":
				s.row, s.col = 0, 0
			case final == 'J' && param == "2":
				s.rows = [][]rune{nil}
				s.row, s.col = 0, 0
			default:
				s.t.Fatalf("screen: unknown sequence ESC [ %s %c", param, final)
			}
		case r < 0x20:
			s.t.Fatalf("screen: control character %#x written", r)
		default:
			w := runeWidth(r)
			if s.col+w > s.cols {
				s.t.Fatalf("screen: %q written past the last column", r)
			}
			s.cell(s.col + w - 1)
			s.rows[s.row][s.col] = r
			if w == 2 {
				s.rows[s.row][s.col+1] = 0
			}
			s.col += w
		}
	}
}

// line returns row i of the screen as text, trailing blanks trimmed.
func (s *screen) line(i int) string {
	var b strings.Builder
	for _, r := range s.rows[i] {
		if r != 0 {
			b.WriteRune(r)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// current returns the cursor's row as text and the cursor's column.
func (s *screen) current() (string, int) { return s.line(s.row), s.col }

// session runs an editor over keys on a fake terminal of the given width.
type session struct {
	t    *testing.T
	term *fakeTerm
	out  *bytes.Buffer
	ed   *Editor
}

func newSession(t *testing.T, keys string, width int, opts *Options) *session {
	t.Helper()
	term := &fakeTerm{width: width}
	out := &bytes.Buffer{}
	return &session{t: t, term: term, out: out, ed: New(strings.NewReader(keys), out, term, opts)}
}

// errHeld ends the keys of a heldSession.
var errHeld = errors.New("test: no more keys")

type heldReader struct{}

func (heldReader) Read([]byte) (int, error) { return 0, errHeld }

// heldSession is a session whose keys end without the end of input, so
// that ReadLine returns errHeld with the line as the keys left it on the
// screen.
func heldSession(t *testing.T, keys string, width int, opts *Options) *session {
	t.Helper()
	s := newSession(t, "", width, opts)
	s.ed = New(io.MultiReader(strings.NewReader(keys), heldReader{}), s.out, s.term, opts)
	return s
}

// read reads a line and checks that the terminal was restored.
func (s *session) read(prompt string) (string, error) {
	s.t.Helper()
	line, err := s.ed.ReadLine(prompt)
	if raw, made, restored := s.term.state(); raw || made != restored {
		s.t.Fatalf("after ReadLine the terminal is raw=%v, made raw %d times, restored %d", raw, made, restored)
	}
	return line, err
}

// screen returns the screen the output so far draws.
func (s *session) screen() *screen {
	sc := newScreen(s.t, s.term.width)
	sc.feed(s.out.Bytes())
	return sc
}

package lineedit

import (
	"bytes"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"unsafe"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/ptytest"
)

func TestTTY(t *testing.T) {
	leakcheck.Check(t)
	master, slave := ptytest.Open(t)
	if !IsTerminal(slave.Fd()) {
		t.Fatal("IsTerminal says a pseudo-terminal is not one")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := NewTTY(r.Fd()); !errors.Is(err, ErrNotTerminal) {
		t.Errorf("NewTTY of a pipe: %v; want ErrNotTerminal", err)
	}

	tty, err := NewTTY(slave.Fd())
	if err != nil {
		t.Fatal(err)
	}
	ws := winsize{Row: 24, Col: 37}
	if err := ioctl(int(master.Fd()), syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatal(err)
	}
	if w := tty.Width(); w != 37 {
		t.Errorf("Width = %d; want the 37 columns set", w)
	}

	before, err := tty.termios()
	if err != nil {
		t.Fatal(err)
	}
	restore, err := tty.MakeRaw()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tty.termios()
	if raw.Lflag&(syscall.ECHO|syscall.ICANON|syscall.ISIG|syscall.IEXTEN) != 0 ||
		raw.Iflag&(syscall.ICRNL|syscall.IXON) != 0 || raw.Oflag&syscall.OPOST != 0 ||
		raw.Cc[syscall.VMIN] != 1 || raw.Cc[syscall.VTIME] != 0 {
		t.Errorf("MakeRaw left lflag %#o iflag %#o oflag %#o vmin %d vtime %d", raw.Lflag, raw.Iflag, raw.Oflag, raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME])
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if after, _ := tty.termios(); *after != *before {
		t.Errorf("restore left %+v; want %+v", *after, *before)
	}
}

// signalRaw is a Terminal that says when it is raw, so that a test types
// only then: keys typed before would be echoed and translated by the
// terminal's cooked mode.
type signalRaw struct {
	*TTY
	raw chan struct{}
}

func (s signalRaw) MakeRaw() (func() error, error) {
	restore, err := s.TTY.MakeRaw()
	s.raw <- struct{}{}
	return restore, err
}

func TestEditorOnPTY(t *testing.T) {
	leakcheck.Check(t)
	master, slave := ptytest.Open(t)
	tty, err := NewTTY(slave.Fd())
	if err != nil {
		t.Fatal(err)
	}
	before, _ := tty.termios()
	term := signalRaw{tty, make(chan struct{}, 1)}
	ed := New(slave, slave, term, nil)
	var shown bytes.Buffer
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(&shown, master)
		copied <- err
	}()

	for _, tc := range []struct {
		keys string
		want string
		err  error
	}{
		{"hello\x1b[D\x1b[DXY\r", "helXYlo", nil},
		{"drop\x03", "", ErrInterrupted},
		{"\x04", "", io.EOF},
	} {
		got, err := func() (string, error) {
			done := make(chan struct{})
			defer close(done)
			go func() {
				select {
				case <-term.raw:
					master.Write([]byte(tc.keys))
				case <-done:
				}
			}()
			return ed.ReadLine("pm> ")
		}()
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("keys %q: ReadLine = %q, %v; want %q, %v", tc.keys, got, err, tc.want, tc.err)
		}
		if now, _ := tty.termios(); *now != *before {
			t.Errorf("keys %q: the terminal was not restored", tc.keys)
		}
	}
	slave.Close() // the master's reads now fail with EIO
	<-copied
	sc := newScreen(t, 80)
	sc.feed(shown.Bytes())
	for i, want := range []string{"pm> helXYlo", "pm> drop^C", "pm>"} {
		if got := sc.line(i); got != want {
			t.Errorf("screen row %d = %q; want %q", i, got, want)
		}
	}
}

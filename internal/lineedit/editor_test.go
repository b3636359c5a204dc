package lineedit

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

func TestPlainLines(t *testing.T) {
	var out bytes.Buffer
	ed := New(strings.NewReader("status\r\n\x01raw bytes\x1b[D\nlast"), &out, nil, nil)
	if ed.IsTerminal() {
		t.Fatal("an editor without a Terminal says it is on one")
	}
	for _, want := range []string{"status", "\x01raw bytes\x1b[D", "last"} {
		got, err := ed.ReadLine("> ")
		if err != nil || got != want {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	if got, err := ed.ReadLine("> "); err != io.EOF || got != "" {
		t.Fatalf("ReadLine at the end = %q, %v; want io.EOF", got, err)
	}
	if got := out.String(); got != "> > > > " {
		t.Errorf("plain mode wrote %q; want the prompts only", got)
	}
}

func TestRawModeFailureReadsPlainLines(t *testing.T) {
	var out bytes.Buffer
	ed := New(strings.NewReader("ab\x7f\n"), &out, &fakeTerm{fail: true}, nil)
	if got, err := ed.ReadLine("$ "); err != nil || got != "ab\x7f" {
		t.Fatalf("ReadLine = %q, %v; want the plain line", got, err)
	}
}

func TestEditingKeys(t *testing.T) {
	for _, tc := range []struct {
		name, keys, want string
	}{
		{"text", "hello\r", "hello"},
		{"newline ends too", "hello\n", "hello"},
		{"utf-8", "héllo wörld 日本\x1b[D\x1b[Dx\r", "héllo wörld x日本"},
		{"left", "helo\x1b[Dl\r", "hello"},
		{"right", "hllo\x1b[D\x1b[D\x1b[De\x1b[C\x1b[C!\r", "hell!o"},
		{"ctrl-b ctrl-f", "hllo\x02\x02\x02\x02\x06e\r", "hello"},
		{"home end", "ello\x1b[Hh\x1b[Fs\r", "hellos"},
		{"home end tilde", "ello\x1b[1~h\x1b[4~s\r", "hellos"},
		{"home end rxvt", "ello\x1b[7~h\x1b[8~s\r", "hellos"},
		{"home end ss3", "ello\x1bOHh\x1bOFs\r", "hellos"},
		{"ctrl-a ctrl-e", "ello\x01h\x05s\r", "hellos"},
		{"backspace", "helloo\x7f\r", "hello"},
		{"ctrl-h", "helloo\x08\r", "hello"},
		{"backspace at start", "\x7f\x01\x7fhi\r", "hi"},
		{"delete", "xhello\x01\x1b[3~\r", "hello"},
		{"delete at end", "hello\x1b[3~\r", "hello"},
		{"ctrl-d deletes", "xhello\x01\x04\r", "hello"},
		{"ctrl-k", "hello world\x01\x06\x06\x06\x06\x06\x0b\r", "hello"},
		{"ctrl-u", "junk hello\x01\x06\x06\x06\x06\x06\x15\r", "hello"},
		{"ctrl-w", "hello bad  \x17world\r", "hello world"},
		{"ctrl-w at start", "\x17x\r", "x"},
		{"ctrl-y", "world\x15hello \x19\r", "hello world"},
		{"alt-b alt-f", "b c\x1bb\x1bba \x1bf\x1bf!\r", "a b c!"},
		{"ctrl-left ctrl-right", "b c\x1b[1;5D\x1b[1;5Da \x1b[1;5C\x1b[1;5C!\r", "a b c!"},
		{"ignored controls", "a\x07b\x1b[99~c\x1b[5Xd\x1b[200~e\x1bxf\x1b[1;5A\r", "abcdef"},
		{"c1 controls and bad utf-8", "a\u0085b\xffc\r", "abc"},
		{"ctrl-l", "ab\x0cc\r", "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, tc.keys, 80, nil)
			got, err := s.read("> ")
			if err != nil || got != tc.want {
				t.Fatalf("ReadLine(%q) = %q, %v; want %q", tc.keys, got, err, tc.want)
			}
			if line, col := s.screen().line(0), s.screen().col; line != "> "+tc.want || col != 0 {
				t.Errorf("screen row 0 = %q, cursor at column %d after Enter; want %q at column 0", line, col, "> "+tc.want)
			}
		})
	}
}

func TestScreenFollowsCursor(t *testing.T) {
	s := heldSession(t, "abc\x1b[D", 80, nil)
	s.read("pm> ")
	if line, col := s.screen().current(); line != "pm> abc" || col != 6 {
		t.Errorf("screen = %q, cursor %d; want %q, cursor 6", line, col, "pm> abc")
	}
}

func TestWideTextAndColouredPrompt(t *testing.T) {
	s := heldSession(t, "日本語\x1b[D", 80, nil)
	s.read("\x1b[1;32mpm\x1b[0m> ")
	// The screen sees the colour sequences as unknown: strip them first.
	out := strings.NewReplacer("\x1b[1;32m", "", "\x1b[0m", "").Replace(s.out.String())
	sc := newScreen(t, 80)
	sc.feed([]byte(out))
	if line, col := sc.current(); line != "pm> 日本語" || col != 4+4 {
		t.Errorf("screen = %q, cursor %d; want %q, cursor 8", line, col, "pm> 日本語")
	}
}

func TestLongLineScrolls(t *testing.T) {
	text := "0123456789abcdefghijklmnopqrstuvwxyz"
	s := heldSession(t, text, 20, nil)
	s.read("> ")
	line, col := s.screen().current()
	// 20 columns: 2 of prompt, 17 of text, the last left free.
	if want := "> " + text[len(text)-17:]; line != want || col != 19 {
		t.Errorf("at the end: screen %q, cursor %d; want %q, cursor 19", line, col, want)
	}
	s = heldSession(t, text+"\x01", 20, nil)
	s.read("> ")
	line, col = s.screen().current()
	if want := "> " + text[:17]; line != want || col != 2 {
		t.Errorf("after Home: screen %q, cursor %d; want %q, cursor 2", line, col, want)
	}
	// Enter shows the end of the line.
	s = newSession(t, text+"\x01\r", 20, nil)
	if got, _ := s.read("> "); got != text {
		t.Fatalf("ReadLine = %q; want %q", got, text)
	}
	if line := s.screen().line(0); line != "> "+text[len(text)-17:] {
		t.Errorf("after Enter: screen %q", line)
	}
}

func TestUnknownWidthIs80(t *testing.T) {
	s := heldSession(t, strings.Repeat("x", 100), 0, nil)
	s.read("")
	s.term.width = 80
	if line, col := s.screen().current(); len(line) != 79 || col != 79 {
		t.Errorf("screen %q (%d columns), cursor %d; want 79 columns of text", line, len(line), col)
	}
}

func TestInterrupt(t *testing.T) {
	s := newSession(t, "drop this\x03keep\r", 80, nil)
	if got, err := s.read("> "); !errors.Is(err, ErrInterrupted) || got != "" {
		t.Fatalf("ReadLine = %q, %v; want ErrInterrupted", got, err)
	}
	if got, err := s.read("> "); err != nil || got != "keep" {
		t.Fatalf("ReadLine after Ctrl-C = %q, %v; want %q", got, err, "keep")
	}
	sc := s.screen()
	if sc.line(0) != "> drop this^C" || sc.line(1) != "> keep" {
		t.Errorf("screen = %q, %q", sc.line(0), sc.line(1))
	}
}

func TestEOF(t *testing.T) {
	s := newSession(t, "\x04", 80, nil)
	if got, err := s.read("> "); err != io.EOF || got != "" {
		t.Fatalf("Ctrl-D on an empty line: %q, %v; want io.EOF", got, err)
	}
	if line, col := s.screen().current(); line != ">" || col != 2 {
		t.Errorf("after Ctrl-D: screen %q, cursor %d; the editor should leave the cursor after the prompt", line, col)
	}
	s = newSession(t, "last", 80, nil)
	if got, err := s.read("> "); err != nil || got != "last" {
		t.Fatalf("input ending within a line: %q, %v; want the line", got, err)
	}
	if got, err := s.read("> "); err != io.EOF || got != "" {
		t.Fatalf("then: %q, %v; want io.EOF", got, err)
	}
}

func TestPassword(t *testing.T) {
	s := newSession(t, "secret\x7fT\x1b[A\t\r", 80, &Options{
		Complete: func(string, int) (int, []string) { t.Error("completion asked for a password"); return 0, nil },
	})
	s.ed.AddHistory("old")
	got, err := s.ed.ReadPassword("Password: ")
	if err != nil || got != "secreT" {
		t.Fatalf("ReadPassword = %q, %v; want %q", got, err, "secreT")
	}
	if line := s.screen().line(0); line != "Password:" {
		t.Errorf("the password shows: screen %q", line)
	}
}

func TestPanicRestoresTerminal(t *testing.T) {
	s := newSession(t, "x\t", 80, &Options{Complete: func(string, int) (int, []string) { panic("callback bug") }})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the callback's panic did not reach the caller")
			}
		}()
		s.ed.ReadLine("> ")
	}()
	if raw, made, restored := s.term.state(); raw || made != 1 || restored != 1 {
		t.Errorf("after a panic: raw=%v made=%d restored=%d; want the terminal restored", raw, made, restored)
	}
}

func TestCloseRestoresTerminal(t *testing.T) {
	leakcheck.Check(t)
	pr, pw := io.Pipe()
	term := &fakeTerm{width: 80, rawCh: make(chan struct{}, 1)}
	ed := New(pr, io.Discard, term, nil)
	done := make(chan error, 1)
	go func() {
		_, err := ed.ReadLine("> ")
		done <- err
	}()
	<-term.rawCh
	if err := ed.Close(); err != nil {
		t.Fatal(err)
	}
	if raw, _, restored := term.state(); raw || restored != 1 {
		t.Fatalf("Close left the terminal raw=%v, restored %d times", raw, restored)
	}
	pw.Write([]byte("x"))
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadLine after Close = %v; want ErrClosed", err)
	}
	if _, made, restored := term.state(); made != 1 || restored != 1 {
		t.Errorf("made raw %d times, restored %d times; want once each", made, restored)
	}
	if _, err := ed.ReadLine("> "); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadLine after Close = %v; want ErrClosed", err)
	}
	if err := ed.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	pw.Close()
}

func TestLineLimit(t *testing.T) {
	s := newSession(t, "0123456789abcdef"+strings.Repeat("\x15\x19\x19", 20)+"\r", 80, nil)
	got, err := s.read("> ")
	if err != nil || len(got) != maxLine {
		t.Fatalf("ReadLine returned %d runes, %v; want the line stopped at %d", len(got), err, maxLine)
	}
	if s.screen().bells == 0 {
		t.Error("the bell did not ring at the limit")
	}
}

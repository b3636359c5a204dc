package lineedit

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadLine feeds arbitrary keys to an editor on a fake terminal of
// arbitrary width: it must not panic, must return valid UTF-8 without
// control characters, and must leave the terminal restored.
func FuzzReadLine(f *testing.F) {
	for _, seed := range []string{
		"hello\r", "\x1b[A\x1b[B\x1b[C\x1b[D\r", "日本\x1b[1;5D\x17\x19\r", "st\t\t\r",
		"\x1b[", "\x1bO", "\x1b", "a\x03b\x04\x04", "\xff\xfe\r", strings.Repeat("wide 日本 ", 20) + "\x01\x05\r",
	} {
		f.Add([]byte(seed), uint8(20))
	}
	f.Fuzz(func(t *testing.T, keys []byte, width uint8) {
		term := &fakeTerm{width: int(width)}
		ed := New(bytes.NewReader(keys), &bytes.Buffer{}, term, &Options{
			Complete: words("status", "start", "stop", "日本語"),
		})
		ed.AddHistory("first")
		ed.AddHistory("日本")
		for range len(keys) + 1 {
			line, err := ed.ReadLine("> ")
			if raw, made, restored := term.state(); raw || made != restored {
				t.Fatalf("terminal left raw: made %d restored %d", made, restored)
			}
			if !utf8.ValidString(line) || strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("ReadLine returned %q", line)
			}
			if err != nil && err != ErrInterrupted {
				return
			}
		}
	})
}

package wiretest

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// GoldenBlock returns the lines of the fenced text block that follows the
// marker "<!-- golden:name -->" in doc, a FORMAT.md, or fails the test.
func GoldenBlock(t testing.TB, doc []byte, name string) []string {
	t.Helper()
	marker := "<!-- golden:" + name + " -->"
	_, after, ok := strings.Cut(string(doc), marker+"\n```text\n")
	if !ok {
		t.Fatalf("FORMAT.md has no %s followed by a text block", marker)
	}
	block, _, ok := strings.Cut(after, "```")
	if !ok {
		t.Fatalf("FORMAT.md: the block after %s is not closed", marker)
	}
	return strings.Split(strings.TrimSuffix(block, "\n"), "\n")
}

// HexDump decodes the lines of an annotated dump: each holds bytes in hex
// separated by single spaces, then, after two or more spaces, a comment.
func HexDump(t testing.TB, lines []string) []byte {
	t.Helper()
	var out []byte
	for _, line := range lines {
		bytesPart, _, _ := strings.Cut(line, "  ")
		for _, field := range strings.Fields(bytesPart) {
			b, err := hex.DecodeString(field)
			if err != nil || len(b) != 1 {
				t.Fatalf("bad byte %q in the dump line %q", field, line)
			}
			out = append(out, b[0])
		}
	}
	return out
}

// HexLine decodes a dump of hex digits, ignoring white space.
func HexLine(t testing.TB, lines []string) []byte {
	t.Helper()
	s := strings.Join(strings.Fields(strings.Join(lines, " ")), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex dump %q: %v", s, err)
	}
	return b
}

// CheckGolden checks a worked example of a format's document: m must be
// written in format f as exactly want, each of dumps (the document's
// renderings of the frame) must be want too, and want must read back as m.
func CheckGolden(t testing.TB, f wire.Format, o Options, m *wire.Message, want []byte, dumps ...[]byte) {
	t.Helper()
	if frame := Encode(t, f, 0, m); !bytes.Equal(frame, want) {
		t.Fatalf("frame\n% x\nwant\n% x", frame, want)
	}
	for i, d := range dumps {
		if !bytes.Equal(d, want) {
			t.Errorf("FORMAT.md rendering %d\n% x\nwant\n% x", i, d, want)
		}
	}
	var got wire.Message
	defer got.Release()
	if err := NewReader(f, bytes.NewReader(want), 0).ReadMessage(&got); err != nil {
		t.Fatal(err)
	}
	if d := o.Diff(&got, m); d != "" {
		t.Fatal(d)
	}
}

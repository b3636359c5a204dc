package wiretest

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

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

// Hex decodes s, hex digits with white space anywhere between bytes.
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	digits := strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(digits)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Examples returns the worked examples that every format's FORMAT.md
// shows: "call", a call of /math/add with the body [1,2,3] in the JSON
// codec, a 2 s timeout and the metadata author: liu, and "reply", its
// reply 6.
func Examples() []Case {
	call := NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")
	call.Codec, call.Timeout = 'j', 2*time.Second
	return []Case{
		{"call", call},
		{"reply", &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}},
	}
}

// ExampleFrames returns the frames of [Examples] in format f.
func ExampleFrames(t testing.TB, f wire.Format) [][]byte {
	t.Helper()
	var frames [][]byte
	for _, ex := range Examples() {
		frames = append(frames, Encode(t, f, 0, ex.M))
	}
	return frames
}

// CheckExamples checks the document at path, a FORMAT.md, against format
// f: each of [Examples] must be written as exactly want[name], each of the
// renderings of it that render finds in the document must be that frame
// too, and the frame must read back as the example.
func CheckExamples(t *testing.T, f wire.Format, o Options, path string, want map[string][]byte, render func(t testing.TB, doc []byte, name string) [][]byte) {
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range Examples() {
		t.Run(ex.Name, func(t *testing.T) {
			w, ok := want[ex.Name]
			if !ok {
				t.Fatalf("no frame given for the example %q", ex.Name)
			}
			checkGolden(t, f, o, ex.M, w, render(t, doc, ex.Name)...)
		})
	}
}

// HexDumps is a render function for CheckExamples: the annotated dump
// (see [HexDump]) of the block named name, and the one-line dump (see
// [Hex]) of the block named name+"-hex".
func HexDumps(t testing.TB, doc []byte, name string) [][]byte {
	t.Helper()
	return [][]byte{HexDump(t, GoldenBlock(t, doc, name)), Hex(t, strings.Join(GoldenBlock(t, doc, name+"-hex"), " "))}
}

// checkGolden checks a worked example of a format's document: m must be
// written in format f as exactly want, each of dumps (the document's
// renderings of the frame) must be want too, and want must read back as m.
func checkGolden(t testing.TB, f wire.Format, o Options, m *wire.Message, want []byte, dumps ...[]byte) {
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

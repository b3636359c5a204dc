package json

import (
	"bytes"
	"encoding/hex"
	stdjson "encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// TestGolden checks the worked examples of FORMAT.md against the encoder
// and the decoder: each dump must be exactly the frame AppendMessage
// writes, and must read back.
func TestGolden(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	call := msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")
	call.Codec, call.Timeout = codecJSON, 2*time.Second
	reply := &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: codecJSON, Body: []byte("6")}

	tests := []struct {
		name string
		m    *wire.Message
		want string // the frame
	}{
		{"call", call, "\x00\x00\x00\x77" +
			`{"v":1,"type":1,"seq":1,"method":"/math/add","timeout_us":2000000,"meta":[["author","liu"]],"codec":106,"body":[1,2,3]}`},
		{"reply", reply, "\x00\x00\x00\x2d" + `{"v":1,"type":2,"seq":1,"codec":106,"body":6}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := encode(t, 0, tt.m)
			if string(frame) != tt.want {
				t.Fatalf("frame\n%q\nwant\n%q", frame, tt.want)
			}
			if got := dump(t, doc, tt.name); !bytes.Equal(got, frame) {
				t.Errorf("FORMAT.md %s dump\n%q\nwant\n%q", tt.name, got, frame)
			}
			var m wire.Message
			if err := newReadFramer(bytes.NewReader(frame), 0).ReadMessage(&m); err != nil {
				t.Fatal(err)
			}
			if d := diffMessage(&m, tt.m); d != "" {
				t.Fatal(d)
			}
			m.Release()
		})
	}

	// The indented call is the call's object with white space added.
	var compact bytes.Buffer
	if err := stdjson.Compact(&compact, []byte(strings.Join(codeBlock(t, doc, "call-indented"), "\n"))); err != nil {
		t.Fatal(err)
	}
	if got, want := compact.String(), tests[0].want[lenSize:]; got != want {
		t.Errorf("FORMAT.md indented call compacts to\n%s\nwant\n%s", got, want)
	}
}

// codeBlock returns the lines of the fenced block that follows the marker
// "<!-- golden:name -->" in doc.
func codeBlock(t *testing.T, doc []byte, name string) []string {
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

// dump decodes a block whose first line is the length field as hex bytes
// separated by single spaces, then two or more spaces and a comment, and
// whose second line is the object.
func dump(t *testing.T, doc []byte, name string) []byte {
	t.Helper()
	lines := codeBlock(t, doc, name)
	if len(lines) != 2 {
		t.Fatalf("FORMAT.md %s: %d lines, want the length and the object", name, len(lines))
	}
	var out []byte
	bytesPart, _, _ := strings.Cut(lines[0], "  ")
	for _, field := range strings.Fields(bytesPart) {
		b, err := hex.DecodeString(field)
		if err != nil || len(b) != 1 {
			t.Fatalf("FORMAT.md %s: bad byte %q in line %q", name, field, lines[0])
		}
		out = append(out, b[0])
	}
	return append(out, lines[1]...)
}

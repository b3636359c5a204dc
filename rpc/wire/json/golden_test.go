package json

import (
	"bytes"
	stdjson "encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestGolden checks the worked examples of FORMAT.md against the encoder
// and the decoder: each dump must be exactly the frame AppendMessage
// writes, and must read back. The indented call must be the call's object
// with white space added.
func TestGolden(t *testing.T) {
	const call = `{"v":1,"type":1,"seq":1,"method":"/math/add","timeout_us":2000000,"meta":[["author","liu"]],"codec":106,"body":[1,2,3]}`
	wiretest.CheckExamples(t, Format{}, options, "FORMAT.md", map[string][]byte{
		"call":  frame(call),
		"reply": frame(`{"v":1,"type":2,"seq":1,"codec":106,"body":6}`),
	}, dump)

	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := stdjson.Compact(&compact, []byte(strings.Join(wiretest.GoldenBlock(t, doc, "call-indented"), "\n"))); err != nil {
		t.Fatal(err)
	}
	if compact.String() != call {
		t.Errorf("FORMAT.md indented call compacts to\n%s\nwant\n%s", compact.String(), call)
	}
}

// dump decodes the block name of doc, whose first line is the length field
// as an annotated hex dump, and whose second line is the object.
func dump(t testing.TB, doc []byte, name string) [][]byte {
	t.Helper()
	lines := wiretest.GoldenBlock(t, doc, name)
	if len(lines) != 2 {
		t.Fatalf("FORMAT.md %s: %d lines, want the length and the object", name, len(lines))
	}
	return [][]byte{append(wiretest.HexDump(t, lines[:1]), lines[1]...)}
}

package json

import (
	"bytes"
	stdjson "encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestGolden checks the worked examples of FORMAT.md against the encoder
// and the decoder: each dump must be exactly the frame AppendMessage
// writes, and must read back.
func TestGolden(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	call := wiretest.NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")
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
			wiretest.CheckGolden(t, Format{}, options, tt.m, []byte(tt.want), dump(t, doc, tt.name))
		})
	}

	// The indented call is the call's object with white space added.
	var compact bytes.Buffer
	if err := stdjson.Compact(&compact, []byte(strings.Join(wiretest.GoldenBlock(t, doc, "call-indented"), "\n"))); err != nil {
		t.Fatal(err)
	}
	if got, want := compact.String(), tests[0].want[lenSize:]; got != want {
		t.Errorf("FORMAT.md indented call compacts to\n%s\nwant\n%s", got, want)
	}
}

// dump decodes a block whose first line is the length field as an
// annotated hex dump, and whose second line is the object.
func dump(t *testing.T, doc []byte, name string) []byte {
	t.Helper()
	lines := wiretest.GoldenBlock(t, doc, name)
	if len(lines) != 2 {
		t.Fatalf("FORMAT.md %s: %d lines, want the length and the object", name, len(lines))
	}
	return append(wiretest.HexDump(t, lines[:1]), lines[1]...)
}

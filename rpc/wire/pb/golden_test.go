package pb

import (
	"bytes"
	"encoding/hex"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// TestGolden checks the worked examples of FORMAT.md against the encoder
// and the decoder: the annotated dump and the one-line dump of each must be
// exactly the frame AppendMessage writes, and must read back.
func TestGolden(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	call := msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")
	call.Codec, call.Timeout = 'j', 2*time.Second
	reply := &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}

	tests := []struct {
		name string
		m    *wire.Message
		want string // the frame, in hex
	}{
		{"call", call, "0000002f" + "0801" + "1001" + "1801" + "2209" + hex.EncodeToString([]byte("/math/add")) +
			"2880897a" + "420d" + "0a06" + hex.EncodeToString([]byte("author")) + "1203" + hex.EncodeToString([]byte("liu")) +
			"486a" + "5a07" + hex.EncodeToString([]byte("[1,2,3]"))},
		{"reply", reply, "0000000b" + "0801" + "1002" + "1801" + "486a" + "5a0136"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := encode(t, 0, tt.m)
			if got := hex.EncodeToString(frame); got != tt.want {
				t.Fatalf("frame\n%s\nwant\n%s", got, tt.want)
			}
			if got := annotatedDump(t, doc, tt.name); !bytes.Equal(got, frame) {
				t.Errorf("FORMAT.md annotated %s dump\n% x\nwant\n% x", tt.name, got, frame)
			}
			if got := lineDump(t, doc, tt.name+"-hex"); !bytes.Equal(got, frame) {
				t.Errorf("FORMAT.md one-line %s dump\n% x\nwant\n% x", tt.name, got, frame)
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
}

// TestProtoFile checks the .proto file of FORMAT.md against the field
// numbers that the package reads and writes, and the types whose wire
// encoding it uses.
func TestProtoFile(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "```proto\n")
	if !ok {
		t.Fatal("FORMAT.md has no proto block")
	}
	proto, _, _ := strings.Cut(after, "```")
	if !strings.Contains(proto, `syntax = "proto3";`) {
		t.Error(`the .proto file does not declare syntax = "proto3"`)
	}
	decl := func(typ string, num protowire.Number) string {
		return typ + " " + fieldNames[num] + " = " + strconv.Itoa(int(num)) + ";"
	}
	want := map[string][]string{
		"Frame": {
			decl("uint32", fieldVersion), decl("uint32", fieldType), decl("uint32", fieldSeq),
			decl("bytes", fieldMethod), decl("uint64", fieldTimeout), decl("sint32", fieldCode),
			decl("bytes", fieldError), decl("repeated Pair", fieldMeta), decl("uint32", fieldCodec),
			decl("bytes", fieldFilters), decl("bytes", fieldBody),
		},
		"Pair": {"bytes key = " + strconv.Itoa(int(fieldKey)) + ";", "bytes value = " + strconv.Itoa(int(fieldValue)) + ";"},
	}
	got := map[string][]string{}
	message := ""
	for line := range strings.Lines(proto) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "message "):
			message = strings.TrimSuffix(strings.TrimPrefix(line, "message "), " {")
		case strings.HasSuffix(line, ";") && strings.Contains(line, " = ") && message != "":
			got[message] = append(got[message], line)
		case line == "}":
			message = ""
		}
	}
	for name, fields := range want {
		if !slices.Equal(got[name], fields) {
			t.Errorf("message %s declares\n%s\nwant\n%s", name, strings.Join(got[name], "\n"), strings.Join(fields, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("the .proto file declares messages %v", slices.Sorted(maps.Keys(got)))
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

// annotatedDump decodes a block whose lines are hex bytes separated by
// single spaces, then two or more spaces and a comment.
func annotatedDump(t *testing.T, doc []byte, name string) []byte {
	t.Helper()
	var out []byte
	for _, line := range codeBlock(t, doc, name) {
		bytesPart, _, _ := strings.Cut(line, "  ")
		for _, field := range strings.Fields(bytesPart) {
			b, err := hex.DecodeString(field)
			if err != nil || len(b) != 1 {
				t.Fatalf("FORMAT.md %s: bad byte %q in line %q", name, field, line)
			}
			out = append(out, b[0])
		}
	}
	return out
}

// lineDump decodes a block of hex digits, ignoring spaces.
func lineDump(t *testing.T, doc []byte, name string) []byte {
	t.Helper()
	s := strings.Join(strings.Fields(strings.Join(codeBlock(t, doc, name), " ")), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("FORMAT.md %s: %v", name, err)
	}
	return b
}

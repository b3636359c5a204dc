package pb

import (
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
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestGolden checks the worked examples of FORMAT.md against the encoder
// and the decoder: the annotated dump and the one-line dump of each must be
// exactly the frame AppendMessage writes, and must read back.
func TestGolden(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	call := wiretest.NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")
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
			want, err := hex.DecodeString(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			wiretest.CheckGolden(t, Format{}, options, tt.m, want,
				wiretest.HexDump(t, wiretest.GoldenBlock(t, doc, tt.name)),
				wiretest.HexLine(t, wiretest.GoldenBlock(t, doc, tt.name+"-hex")))
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

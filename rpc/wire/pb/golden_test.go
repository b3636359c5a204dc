package pb

import (
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestGolden checks the worked examples of FORMAT.md against the encoder
// and the decoder: the annotated dump and the one-line dump of each must be
// exactly the frame AppendMessage writes, and must read back.
func TestGolden(t *testing.T) {
	h := func(s string) []byte { return wiretest.Hex(t, s) }
	wiretest.CheckExamples(t, Format{}, options, "FORMAT.md", map[string][]byte{
		// length; version, type, seq; method
		"call": slices.Concat(h("0000002f 0801 1001 1801 2209"), []byte("/math/add"),
			h("2880897a 420d 0a06"), []byte("author"), h("1203"), []byte("liu"), // timeout, one pair
			h("486a 5a07"), []byte("[1,2,3]")), // codec, body
		"reply": h("0000000b 0801 1002 1801 486a 5a0136"),
	}, wiretest.HexDumps)
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

package raw

import (
	"encoding/hex"
	"os"
	"testing"
	"time"

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
		{"call", call, "00000028" + "0101056a" + "00000001" + "09" + hex.EncodeToString([]byte("/math/add")) +
			"80897a" + "01" + "06" + hex.EncodeToString([]byte("author")) + "03" + hex.EncodeToString([]byte("liu")) +
			hex.EncodeToString([]byte("[1,2,3]"))},
		{"reply", reply, "0000000a" + "0102006a" + "00000001" + "00" + "36"},
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

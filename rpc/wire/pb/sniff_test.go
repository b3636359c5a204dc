package pb

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestSniff checks that a pb stream is told apart from the other formats'
// by the version field that a writer puts first.
func TestSniff(t *testing.T) {
	ours := append(wiretest.ExampleFrames(t, Format{}), wiretest.Encode(t, Format{}, 0, &wire.Message{Type: wire.TypeGoAwayAck}))
	others := append(wiretest.ExampleFrames(t, raw.Format{}), wiretest.ExampleFrames(t, json.Format{})...)
	others = append(others, [][]byte{
		[]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"),
		[]byte(`{"jsonrpc":"2.0","method":"add","id":1}`),
		rawFrame(vf(fieldVersion, 2), vf(fieldType, 1)), // another version
		rawFrame(vf(fieldType, 1), vf(fieldVersion, 1)), // not the writer's order
		{0x16, 0x03, 0x01, 0x02, 0x00, 0x01},            // a TLS client hello
	}...)
	// The version's tag alone does not tell: its value must follow.
	need := func(prefix []byte) bool {
		return len(prefix) <= lenSize || len(prefix) == lenSize+1 && prefix[lenSize] == 0x08
	}
	wiretest.CheckSniff(t, Format{}, ours, others, need)
}

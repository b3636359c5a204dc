package json

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestSniff checks that a json stream is told apart from the other
// formats' by the '{' after the length prefix.
func TestSniff(t *testing.T) {
	ours := append(wiretest.ExampleFrames(t, Format{}), frame(`{ "v": 1, "type": 5 }`))
	others := append(wiretest.ExampleFrames(t, raw.Format{}), [][]byte{
		[]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"),
		[]byte("GET /math/add HTTP/1.1\r\n"),
		[]byte(`{"jsonrpc":"2.0","method":"add","id":1}`),
		{0x00, 0x00, 0x00, 0x10, 0x08, 0x01, 0x10, 0x01}, // a pb frame
		frame(` {"v":1,"type":1}`),                       // white space before the object
		{0x16, 0x03, 0x01, 0x02, 0x00},                   // a TLS client hello
	}...)
	wiretest.CheckSniff(t, Format{}, ours, others, func(prefix []byte) bool { return len(prefix) <= lenSize })
}

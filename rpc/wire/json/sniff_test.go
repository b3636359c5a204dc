package json

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

func TestSniff(t *testing.T) {
	call := wiretest.NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")
	call.Codec = codecJSON
	ours := [][]byte{
		wiretest.Encode(t, Format{}, 0, call),
		wiretest.Encode(t, Format{}, 0, &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: codecJSON, Body: []byte("6")}),
		frame(`{ "v": 1, "type": 5 }`),
	}
	rawFrame, err := raw.Format{}.NewFramer(nil, wire.Options{}).AppendMessage(nil, call)
	if err != nil {
		t.Fatal(err)
	}
	others := [][]byte{
		[]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"),
		[]byte("GET /math/add HTTP/1.1\r\n"),
		[]byte(`{"jsonrpc":"2.0","method":"add","id":1}`),
		rawFrame,
		{0x00, 0x00, 0x00, 0x10, 0x08, 0x01, 0x10, 0x01}, // a pb frame
		frame(` {"v":1,"type":1}`),                       // white space before the object
		{0x16, 0x03, 0x01, 0x02, 0x00},                   // a TLS client hello
	}
	for _, b := range ours {
		for n := 0; n <= min(len(b), 16); n++ {
			want := wire.Yes
			if n <= lenSize {
				want = wire.NeedMore
			}
			if got := (Format{}).Sniff(b[:n]); got != want {
				t.Errorf("Sniff(% x) = %v, want %v", b[:n], got, want)
			}
		}
	}
	for _, b := range others {
		for n := 0; n <= min(len(b), 16); n++ {
			want := wire.No
			if n <= lenSize {
				want = wire.NeedMore
			}
			if got := (Format{}).Sniff(b[:n]); got != want {
				t.Errorf("Sniff(%q) = %v, want %v", b[:n], got, want)
			}
		}
	}
}

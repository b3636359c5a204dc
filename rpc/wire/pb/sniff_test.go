package pb

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

func TestSniff(t *testing.T) {
	call := wiretest.NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")
	call.Codec = 'j'
	ours := [][]byte{
		wiretest.Encode(t, Format{}, 0, call),
		wiretest.Encode(t, Format{}, 0, &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}),
		wiretest.Encode(t, Format{}, 0, &wire.Message{Type: wire.TypeGoAwayAck}),
	}
	rawCall, err := raw.Format{}.NewFramer(nil, wire.Options{}).AppendMessage(nil, call)
	if err != nil {
		t.Fatal(err)
	}
	jsonCall, err := json.Format{}.NewFramer(nil, wire.Options{}).AppendMessage(nil, call)
	if err != nil {
		t.Fatal(err)
	}
	others := [][]byte{
		[]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"),
		[]byte(`{"jsonrpc":"2.0","method":"add","id":1}`),
		rawCall,
		jsonCall,
		rawFrame(vf(fieldVersion, 2), vf(fieldType, 1)), // another version
		rawFrame(vf(fieldType, 1), vf(fieldVersion, 1)), // not the writer's order
		{0x16, 0x03, 0x01, 0x02, 0x00, 0x01},            // a TLS client hello
	}
	for _, b := range ours {
		for n := 0; n <= min(len(b), 16); n++ {
			want := wire.Yes
			if n <= lenSize+1 {
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
			switch {
			case n <= lenSize:
				want = wire.NeedMore
			case n == lenSize+1 && b[lenSize] == 0x08:
				want = wire.NeedMore // the version's tag, but not its value yet
			}
			if got := (Format{}).Sniff(b[:n]); got != want {
				t.Errorf("Sniff(%q) = %v, want %v", b[:n], got, want)
			}
		}
	}
}

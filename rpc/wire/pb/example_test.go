package pb_test

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
)

func Example() {
	// Write a call, as a connection's writer would.
	w := pb.Format{}.NewFramer(nil, wire.Options{})
	call := &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]")}
	frame, err := w.AppendMessage(nil, call)
	if err != nil {
		fmt.Println(err)
		return
	}

	// After its 4-byte length, a frame is a protobuf message (FORMAT.md has
	// its .proto file): any protobuf library reads it.
	b := frame[4:]
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			fmt.Printf("field %d: %d\n", num, v)
			b = b[n:]
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			fmt.Printf("field %d: %q\n", num, v)
			b = b[n:]
		}
	}
	// Output:
	// field 1: 1
	// field 2: 1
	// field 3: 1
	// field 4: "/math/add"
	// field 9: 106
	// field 11: "[1,2,3]"
}

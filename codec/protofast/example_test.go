package protofast_test

import (
	"errors"
	"fmt"

	"github.com/dmicro-go/dmicro/codec/protofast"
	"google.golang.org/protobuf/encoding/protowire"
)

// A decoder of the kind protoc-gen-dmicro generates walks the fields of a
// message with these helpers; here, field 1 a varint and field 2 a string.
func Example() {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 42)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, "héllo")

	for len(b) > 0 {
		num, wt, n := protofast.ConsumeTag(b)
		if n < 0 {
			fmt.Println(protofast.ErrMalformed)
			return
		}
		b = b[n:]
		switch {
		case num == 1 && wt == protowire.VarintType:
			v, n := protofast.ConsumeVarint(b)
			fmt.Println("field 1:", v)
			b = b[n:]
		case num == 2 && wt == protowire.BytesType:
			s, n := protofast.ConsumeBytes(b)
			if !protofast.Valid(s) {
				fmt.Println(protofast.InvalidUTF8("field 2"))
				return
			}
			fmt.Println("field 2:", protofast.String(s)) // aliases b: b must not change while it is used
			b = b[n:]
		}
	}

	// A truncated length is malformed input.
	_, n := protofast.ConsumeBytes([]byte{5, 'a'})
	fmt.Println(n < 0)
	fmt.Println(errors.Is(protofast.InvalidUTF8("x"), protofast.ErrInvalidUTF8))
	// Output:
	// field 1: 42
	// field 2: héllo
	// true
	// true
}

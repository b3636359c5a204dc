package json_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
)

func Example() {
	// A peer in any language sends a call: a 4-byte length, then JSON text.
	text := `{"v":1,"type":1,"seq":7,"method":"/math/add","codec":106,"body":[1,2,3]}`
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(text)))
	frame = append(frame, text...)

	// This side reads it as a call...
	f := json.Format{}.NewFramer(bufio.NewReader(bytes.NewReader(frame)), wire.Options{})
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Type, m.Seq, m.Method, string(m.Body))
	m.Release() // m.Body pointed into a pooled buffer

	// ...and writes the reply the same way.
	out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: 7, Codec: 'j', Body: []byte("6")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", out[4:])
	// Output:
	// CALL 7 /math/add [1,2,3]
	// {"v":1,"type":2,"seq":7,"codec":106,"body":6}
}

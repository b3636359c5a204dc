package json_test

import (
	"bufio"
	"bytes"
	"fmt"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
)

func Example() {
	// Write a call into a buffer, as a connection's writer would.
	var conn bytes.Buffer
	w := json.Format{}.NewFramer(nil, wire.Options{})
	call := &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]")}
	frame, err := w.AppendMessage(nil, call)
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.Write(frame)
	fmt.Printf("%s\n", frame[4:]) // after the length, the frame is JSON text

	// Read it back on the other side.
	r := json.Format{}.NewFramer(bufio.NewReader(&conn), wire.Options{})
	var m wire.Message
	if err := r.ReadMessage(&m); err != nil {
		fmt.Println(err)
		return
	}
	defer m.Release() // m.Body points into a pooled buffer
	fmt.Println(m.Type, m.Seq, m.Method, string(m.Body))
	// Output:
	// {"v":1,"type":1,"seq":1,"method":"/math/add","codec":106,"body":[1,2,3]}
	// CALL 1 /math/add [1,2,3]
}

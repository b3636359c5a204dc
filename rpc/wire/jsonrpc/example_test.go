package jsonrpc_test

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
)

func Example() {
	// A client sends the specification's first example.
	conn := strings.NewReader(`{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`)
	f := jsonrpc.Format{}.NewFramer(bufio.NewReader(conn), wire.Options{})

	// The server reads it as a call...
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Type, m.Method, string(m.Body))

	// ...and answers it under the seq the framer gave it.
	reply := &wire.Message{Type: wire.TypeReply, Seq: m.Seq, Codec: 'j', Body: []byte("19")}
	m.Release()
	out, err := f.AppendMessage(nil, reply)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(out)
	// Output:
	// CALL /subtract [42, 23]
	// {"jsonrpc":"2.0","id":1,"result":19}
}

func ExampleFormat_NewBodyExchange() {
	// One value per message of another protocol, as HTTP POST carries it.
	var seq uint32
	x := jsonrpc.Format{}.NewBodyExchange(func() uint32 { seq++; return seq }, wire.Options{})
	answers := x.Decode([]byte(`[{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":"a"},{"jsonrpc":"2.0","method":"log"}]`))
	fmt.Println("answers:", answers)

	var call wire.Message
	for {
		var m wire.Message
		if err := x.Next(&m); err != nil {
			break // io.EOF: the value has no more members
		}
		fmt.Println(m.Type, m.Method, len(m.Body), "bytes of params")
		if m.Type == wire.TypeCall {
			call.Seq = m.Seq
		}
		m.Release()
	}
	resp, done, err := x.Reply(nil, &wire.Message{Type: wire.TypeReply, Seq: call.Seq, Codec: 'j', Body: []byte("3")})
	fmt.Printf("done %v, err %v: %s", done, err, resp)
	// Output:
	// answers: 1
	// CALL /sum 5 bytes of params
	// PUSH /log 0 bytes of params
	// done true, err <nil>: [{"jsonrpc":"2.0","id":"a","result":3}]
}

package http_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/http"
)

func Example() {
	// A request as curl sends it, on a connection the server reads.
	conn := "POST /math/add HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
		"Rpc-Meta-Author: liu\r\nContent-Length: 7\r\n\r\n[1,2,3]"
	f := http.Format{}.NewFramer(bufio.NewReader(strings.NewReader(conn)), wire.Options{})

	// The rpc layer reads the call...
	var call wire.Message
	if err := f.ReadMessage(&call); err != nil {
		fmt.Println(err)
		return
	}
	defer call.Release() // call.Body points into a pooled buffer
	fmt.Println(call.Type, call.Method, call.Meta.Get("author"), string(call.Body))

	// ...and writes the reply, which goes out as the response.
	reply := &wire.Message{Type: wire.TypeReply, Seq: call.Seq, Codec: 'j', Body: []byte("6")}
	reply.Meta.Set("author", "liu")
	out, err := f.AppendMessage(nil, reply)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(string(out), "\r\n") {
		if !strings.HasPrefix(line, "Date: ") { // it varies
			fmt.Println(line)
		}
	}
	// Output:
	// CALL /math/add liu [1,2,3]
	// HTTP/1.1 200 OK
	// Content-Type: application/json
	// Content-Length: 1
	// Rpc-Meta-Author: liu
	//
	// 6
}

func ExampleFormat_Sniff() {
	for _, prefix := range []string{"POST /math/add", "PO", "\x00\x00\x00\x28\x01"} {
		switch (http.Format{}).Sniff([]byte(prefix)) {
		case wire.Yes:
			fmt.Printf("%q: http\n", prefix)
		case wire.NeedMore:
			fmt.Printf("%q: need more bytes\n", prefix)
		case wire.No:
			fmt.Printf("%q: not http\n", prefix)
		}
	}
	// Output:
	// "POST /math/add": http
	// "PO": need more bytes
	// "\x00\x00\x00(\x01": not http
}

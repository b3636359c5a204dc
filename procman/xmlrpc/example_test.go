package xmlrpc_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// A server with one method, on a loopback listener, and a client that
// calls it, then calls a method the server does not have.
func Example() {
	var srv xmlrpc.Server
	srv.Register("demo.greet", func(ctx context.Context, name string) (string, error) {
		return "hello, " + strings.ToUpper(name), nil
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/RPC2", &srv)
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	defer hs.Close()

	c, err := xmlrpc.NewClient("http://"+ln.Addr().String(), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	var reply string
	if err := c.Call(context.Background(), "demo.greet", []any{"procman"}, &reply); err != nil {
		panic(err)
	}
	fmt.Println(reply)

	err = c.Call(context.Background(), "demo.nothing", nil, nil)
	fmt.Println(err)
	// Output:
	// hello, PROCMAN
	// xmlrpc: fault 1: UNKNOWN_METHOD
}

package websocket_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/websocket"
)

// echo serves one connection of ln: it writes back one line, then closes.
func echo(ln net.Listener, done chan<- struct{}) {
	defer close(done)
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	io.WriteString(c, line)
}

// exchange sends one line on c and prints the line that comes back.
func exchange(c net.Conn, line string) {
	io.WriteString(c, line+"\n")
	back, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(back)
}

// A wss listener and a dial to it, with a self-signed certificate. An rpc
// endpoint takes the same Transport in rpc.Config.Transport.
func ExampleTransport() {
	ctx := context.Background()
	cert, err := transport.NewSelfSigned() // localhost, 127.0.0.1 and ::1
	if err != nil {
		fmt.Println(err)
		return
	}
	server := websocket.Transport{Config: websocket.Config{Path: "/rpc", TLS: cert.ServerConfig()}}
	ln, err := server.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	done := make(chan struct{})
	go echo(ln, done)
	defer func() { <-done }()

	// Dial opens wss://127.0.0.1:PORT/rpc.
	client := websocket.Transport{Config: websocket.Config{Path: "/rpc", TLS: cert.ClientConfig()}}
	c, err := client.Dial(ctx, "tcp", ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	exchange(c, "hello over wss")
	// Output: hello over wss
}

// A Handler mounted in an existing HTTP server, next to a plain route. The
// Handler is also the net.Listener of the upgraded connections: an rpc
// endpoint serves it with ep.Serve(h).
func ExampleHandler() {
	h, err := websocket.NewHandler(websocket.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.Handle("/ws", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer h.Close()
	done := make(chan struct{})
	go echo(h, done)
	defer func() { <-done }()

	client := websocket.Transport{Config: websocket.Config{Path: "/ws"}}
	c, err := client.Dial(context.Background(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	exchange(c, "hello through the mux")
	// Output: hello through the mux
}

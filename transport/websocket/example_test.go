package websocket_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
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
	server := websocket.Transport{Config: websocket.Config{TLS: cert.ServerConfig()}}
	ln, err := server.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	done := make(chan struct{})
	go echo(ln, done)
	defer func() { <-done }()

	// Dial opens wss://127.0.0.1:PORT/, the default Path of both sides.
	client := websocket.Transport{Config: websocket.Config{TLS: cert.ClientConfig()}}
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

// One TCP port serves dmicro clients over TCP, HTTP requests and WebSocket
// clients, browsers with js/dmicro.js among them: rpc.Config.Formats picks
// the format of each connection from its first bytes, and an Upgrader in
// rpc.Config.Upgraders first takes the WebSocket upgrades of its path ("/"
// here, the default), whose connections are then served in any of the
// formats.
func ExampleUpgrader() {
	ctx := context.Background()
	up, err := websocket.NewUpgrader(websocket.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := rpc.NewEndpoint(rpc.Config{
		ListenAddr: "127.0.0.1:0",
		Formats:    []wire.Format{raw.Format{}, wirejson.Format{}, wirehttp.Format{}},
		Upgraders:  []transport.Upgrader{up},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = srv.Router().HandleCall("/math/add", rpc.CallFunc(func(_ *rpc.CallCtx, arg *[]int) (int, error) {
		sum := 0
		for _, n := range *arg {
			sum += n
		}
		return sum, nil
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := srv.Listen(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	defer func() { srv.Close(); <-served }()
	addr := ln.Addr().String()

	// A dmicro client over WebSocket (ws://ADDR/), in the json format, and
	// one over TCP in the raw format.
	for _, c := range []struct {
		name string
		cfg  rpc.Config
	}{
		{"websocket", rpc.Config{Transport: websocket.Transport{}, Format: wirejson.Format{}}},
		{"tcp", rpc.Config{}},
	} {
		cli, err := rpc.NewEndpoint(c.cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer cli.Close()
		sess, err := cli.Dial(ctx, addr)
		if err != nil {
			fmt.Println(err)
			return
		}
		var sum int
		if err := sess.Call(ctx, "/math/add", []int{1, 2, 3}, &sum); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.name, sum)
	}

	// An HTTP request.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Post("http://"+addr+"/math/add", "application/json", strings.NewReader("[1,2,3]"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println("http", strings.TrimSpace(string(body)))
	// Output:
	// websocket 6
	// tcp 6
	// http 6
}

package proxy_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"strings"

	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/rpc"
)

// serve listens on a free loopback port and serves ep in a goroutine.
func serve(ep *rpc.Endpoint) net.Addr {
	l, err := ep.Listen(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	go ep.Serve(l)
	return l.Addr()
}

// Example puts a proxy in front of a server: the proxy's endpoint serves
// its own /version and forwards every other call, deadline and metadata
// included, to the server.
func Example() {
	ctx := context.Background()

	// The upstream server greets, and says who the proxy says is asking
	// and how many proxies the call passed.
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	greet := func(ctx *rpc.CallCtx, name *string) (string, error) {
		return fmt.Sprintf("hello %s (for %s, %s proxy)", *name, ctx.PeekMeta("user"), ctx.PeekMeta(proxy.HopsKey)), nil
	}
	if err := srv.Router().HandleCall("/greet", rpc.CallFunc(greet)); err != nil {
		log.Fatal(err)
	}
	upstream := serve(srv)

	// The proxy.
	p, err := proxy.New(proxy.Config{Addr: upstream.String()})
	if err != nil {
		log.Fatal(err)
	}
	front, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, p)
	if err != nil {
		log.Fatal(err)
	}
	defer front.Close()
	err = front.Router().HandleCall("/version", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		return "proxy 1.0", nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	frontAddr := serve(front)

	// A client of the proxy.
	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, frontAddr.String())
	if err != nil {
		log.Fatal(err)
	}
	var version, greeting string
	err = sess.Call(ctx, "/version", nil, &version)
	fmt.Println(version, err)
	err = sess.Call(ctx, "/greet", "bob", &greeting, rpc.WithMeta("user", "ann"))
	fmt.Println(greeting, err)

	// With the upstream gone, calls fail with a status that names it
	// (CodeConnClosed or CodeDialFailed, depending on whether the proxy
	// has seen its session close yet).
	srv.Close()
	err = sess.Call(ctx, "/greet", "bob", &greeting)
	fmt.Println("names the upstream:", strings.Contains(err.Error(), upstream.String()))
	// Output:
	// proxy 1.0 <nil>
	// hello bob (for ann, 1 proxy) <nil>
	// names the upstream: true
}

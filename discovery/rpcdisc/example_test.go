package rpcdisc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/rpcdisc"
	"github.com/dmicro-go/dmicro/rpc"
)

// A server registers itself in a registry (here the in-process Memory) as
// a node of "greeter"; a client calls "greeter" by name.
func Example() {
	ctx := context.Background()
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"},
		rpcdisc.Register(reg, rpcdisc.ServiceConfig{Name: "greeter", Version: "v1"}))
	if err != nil {
		log.Fatal(err)
	}
	err = srv.Router().HandleCall("/hello", rpc.CallFunc(func(_ *rpc.CallCtx, name *string) (string, error) {
		return "hello, " + *name, nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// Serve registers the node before it accepts; a watch sees it arrive.
	wctx, stopWatch := context.WithCancel(ctx)
	events, err := reg.Watch(wctx, discovery.WatchFilter{Service: "greeter"})
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	<-events
	stopWatch()

	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	c, err := rpcdisc.NewClient(cli, reg, "greeter", rpcdisc.ClientConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	var reply string
	if err := c.Call(ctx, "/hello", "ann", &reply); err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply)

	// Shutdown deregisters the node before going away.
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	<-served
	_, err = reg.GetService(ctx, "greeter")
	fmt.Println(err)
	// Output:
	// hello, ann
	// discovery: service not found: "greeter"
}

package rpc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/rpc"
)

// Greeter is a service registered under a group.
type Greeter struct{}

// Hello greets; under the group "/v1" its path is "/v1/greeter/hello".
func (*Greeter) Hello(ctx *rpc.CallCtx, name *string) (string, error) {
	return "hello, " + *name, nil
}

// apiVersion is a plugin for a group: AfterRoute runs for each route
// registered through the group, BeforeWriteReply for each reply of those
// routes. Routes elsewhere do not run it.
type apiVersion string

func (apiVersion) Name() string { return "api-version" }

func (v apiVersion) AfterRoute(r rpc.RouteInfo) error {
	fmt.Println("routed", r.Path)
	return nil
}

func (v apiVersion) BeforeWriteReply(m *rpc.Message) error {
	m.Meta().Set("api", string(v))
	return nil
}

// ExampleRouter_Group registers a service under a path prefix, with a
// plugin that runs for the group's routes only.
func ExampleRouter_Group() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	v1, err := srv.Router().Group("/v1", apiVersion("v1"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := v1.RouteCall(new(Greeter)); err != nil {
		log.Fatal(err)
	}
	// A route on the root router: the group's plugin does not run for it.
	err = srv.Router().HandleCall("/health", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		return "ok", nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	// A group lists the routes under its prefix; the root lists them all.
	for _, r := range srv.Router().Routes() {
		fmt.Println(r.Path, r.Arg, r.Reply)
	}

	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}

	var greeting string
	var md rpc.Metadata
	err = sess.Call(ctx, "/v1/greeter/hello", "ann", &greeting, rpc.WithReplyMeta(&md))
	fmt.Printf("%s (api %q) %v\n", greeting, md.Get("api"), err)
	err = sess.Call(ctx, "/health", struct{}{}, &greeting, rpc.WithReplyMeta(&md))
	fmt.Printf("%s (api %q) %v\n", greeting, md.Get("api"), err)
	// Output:
	// routed /v1/greeter/hello
	// /health struct {} string
	// /v1/greeter/hello string string
	// hello, ann (api "v1") <nil>
	// ok (api "") <nil>
}

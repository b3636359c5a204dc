package rpc_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/dmicro-go/dmicro/rpc"
)

// bearer is a client plugin whose call interceptor adds a token to the
// metadata of every call and push the endpoint sends, on any session, and
// keeps calls to admin paths from leaving the client at all.
type bearer struct {
	token string
}

func (bearer) Name() string { return "bearer" }

// InterceptCall is called once, when the endpoint is made. The function it
// returns runs in the caller's goroutine; next sends the call and waits for
// its reply.
func (b bearer) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		if strings.HasPrefix(m.ServiceMethod(), "/admin/") {
			// Not calling next: nothing is sent, and this error is the
			// caller's.
			return rpc.NewStatus(rpc.CodeUnauthorized, "admin calls are not made from here")
		}
		m.Meta().Set("token", b.token)
		return next(ctx, m, reply)
	}
}

// ExampleCallInterceptor shows a client-side interceptor that adds a
// credential to every call.
func ExampleCallInterceptor() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/token", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) {
		return ctx.PeekMeta("token"), nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	cli, err := rpc.NewEndpoint(rpc.Config{}, bearer{token: "t0k3n"})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}

	var seen string
	err = sess.Call(ctx, "/token", struct{}{}, &seen)
	fmt.Printf("the server saw token %q (%v)\n", seen, err)

	err = sess.Call(ctx, "/admin/reset", struct{}{}, nil)
	fmt.Println(err)
	// Output:
	// the server saw token "t0k3n" (<nil>)
	// rpc: unauthorized: admin calls are not made from here
}

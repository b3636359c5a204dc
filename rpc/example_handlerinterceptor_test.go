package rpc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/rpc"
)

// userKey is the context key under which tokenAuth puts the caller's name.
type userKey struct{}

// tokenAuth is a server plugin whose handler interceptor lets a call or
// push through only with a known token in its metadata, and hands the
// token's user to the handler in its context.
type tokenAuth struct {
	users map[string]string // token → user
}

func (tokenAuth) Name() string { return "token-auth" }

// InterceptHandler is called once per route, when it is registered. The
// function it returns runs for every call and push, in the handler's
// goroutine, after the argument was decoded.
func (a tokenAuth) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) {
		user, ok := a.users[m.Meta().Get("token")]
		if !ok {
			// Returning without calling next answers the call; the
			// handler does not run.
			return nil, rpc.NewStatus(rpc.CodeUnauthorized, "unknown token")
		}
		// The context given to next is the handler's context.
		return next(context.WithValue(ctx, userKey{}, user), m)
	}
}

// ExampleHandlerInterceptor shows a server-side interceptor that
// authenticates calls and passes the caller's identity to the handler.
func ExampleHandlerInterceptor() {
	ctx := context.Background()

	auth := tokenAuth{users: map[string]string{"t0k3n": "alice"}}
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, auth)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/whoami", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) {
		user, _ := ctx.Context().Value(userKey{}).(string)
		return "you are " + user, nil
	}))
	if err != nil {
		log.Fatal(err)
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

	var reply string
	err = sess.Call(ctx, "/whoami", struct{}{}, &reply, rpc.WithMeta("token", "t0k3n"))
	fmt.Println(reply, err)

	err = sess.Call(ctx, "/whoami", struct{}{}, &reply)
	fmt.Println(rpc.CodeOf(err) == rpc.CodeUnauthorized, err)
	// Output:
	// you are alice <nil>
	// true rpc: unauthorized: unknown token
}

package auth_test

import (
	"context"
	"testing"

	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// BenchmarkCall compares a small call without the plugin ("bare") and with
// a token client and a verifying server ("token"): the credential travels
// with every call, is compared with the one the session verified, and the
// identity is put in the handler's context.
func BenchmarkCall(b *testing.B) {
	sum := rpc.CallFunc(func(c *rpc.CallCtx, nums *[]int) (int, error) {
		n := 0
		for _, x := range *nums {
			n += x
		}
		return n, nil
	})
	verify := func(_ context.Context, cred string, _ *rpc.Session) (any, error) {
		if cred != "Bearer good" {
			return nil, rpc.NewStatus(rpc.CodeUnauthorized, "no")
		}
		return "alice", nil
	}
	for _, bc := range []struct {
		name           string
		server, client func() []rpc.Plugin
	}{
		{"bare", func() []rpc.Plugin { return nil }, func() []rpc.Plugin { return nil }},
		{"token", func() []rpc.Plugin {
			p, err := auth.NewServer(auth.ServerConfig{Verify: verify})
			if err != nil {
				b.Fatal(err)
			}
			return []rpc.Plugin{p}
		}, func() []rpc.Plugin { return []rpc.Plugin{tokenClient(b, "good")} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: rpctest.Loopback(b)}, bc.server()...)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			must(b, srv.Router().HandleCall("/sum", sum))
			ctx := rpctest.Context(b)
			l, err := srv.Listen(ctx)
			if err != nil {
				b.Fatal(err)
			}
			go srv.Serve(l)
			cli, err := rpc.NewEndpoint(rpc.Config{}, bc.client()...)
			if err != nil {
				b.Fatal(err)
			}
			defer cli.Close()
			sess, err := cli.Dial(ctx, l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			arg := []int{1, 2, 3}
			var got int
			b.ReportAllocs()
			for b.Loop() {
				if err := sess.Call(ctx, "/sum", arg, &got); err != nil || got != 6 {
					b.Fatalf("sum %d, %v", got, err)
				}
			}
		})
	}
}

package rpcdisc_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/rpcdisc"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// BenchmarkCall compares a call through a Client (pick, session lookup,
// outcome report) with the same call on a session dialed by hand.
func BenchmarkCall(b *testing.B) {
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	b.Run("direct", func(b *testing.B) {
		benchCall(b, reg, false)
	})
	b.Run("client", func(b *testing.B) {
		benchCall(b, reg, true)
	})
}

func benchCall(b *testing.B, reg discovery.Registry, viaClient bool) {
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Router().HandleCall("/who", rpc.CallFunc(func(*rpc.CallCtx, *int) (string, error) { return "a", nil })); err != nil {
		b.Fatal(err)
	}
	ctx := rpctest.Context(b)
	l, err := srv.Listen(ctx)
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	svc := discovery.Service{Name: service, Nodes: []discovery.Node{{ID: "a", Address: l.Addr().String()}}}
	if err := reg.Register(ctx, svc, discovery.RegisterOptions{}); err != nil {
		b.Fatal(err)
	}
	defer reg.Deregister(ctx, svc)
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer ep.Close()
	var call func() error
	if viaClient {
		c, err := rpcdisc.NewClient(ep, reg, service, rpcdisc.ClientConfig{})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		call = func() error { var s string; return c.Call(ctx, "/who", 1, &s) }
	} else {
		sess, err := ep.Dial(ctx, l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		call = func() error { var s string; return sess.Call(ctx, "/who", 1, &s) }
	}
	if err := call(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

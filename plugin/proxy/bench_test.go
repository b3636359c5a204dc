package proxy_test

import (
	"context"
	"testing"

	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/rpc"
)

// BenchmarkCall compares a call made to the server directly ("bare") with
// one made through a proxy in front of it, with a fixed upstream and with
// Pick, over loopback TCP.
func BenchmarkCall(b *testing.B) {
	srv := startBackend(b, "srv", "", rpc.Config{})
	pick := func(context.Context, proxy.Request) (string, error) { return srv.addr, nil }
	for _, bc := range []struct {
		name string
		cfg  *proxy.Config
	}{
		{"bare", nil},
		{"proxy", &proxy.Config{Addr: srv.addr}},
		{"proxy-pick", &proxy.Config{Pick: pick}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			addr := srv.addr
			if bc.cfg != nil {
				_, _, addr = startProxy(b, *bc.cfg, rpc.Config{})
			}
			s := dial(b, addr, rpc.Config{})
			ctx := context.Background()
			args := []int{1, 2, 3}
			b.ReportAllocs()
			for b.Loop() {
				var sum int
				if err := s.Call(ctx, "/math/add", args, &sum); err != nil || sum != 6 {
					b.Fatalf("sum %d, err %v", sum, err)
				}
			}
		})
	}
}

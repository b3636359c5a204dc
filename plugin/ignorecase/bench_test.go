package ignorecase_test

import (
	"context"
	"net"
	"testing"

	"github.com/dmicro-go/dmicro/plugin/ignorecase"
	"github.com/dmicro-go/dmicro/rpc"
)

// BenchmarkCall measures one call of []int{1, 2, 3}, summed, over loopback
// TCP: to a server without the plugin ("bare"), and to one with it, in the
// route's case ("exact") and in another ("folded").
func BenchmarkCall(b *testing.B) {
	tests := []struct {
		name, method string
		plugins      []rpc.Plugin
	}{
		{"bare", "/math/add", nil},
		{"exact", "/math/add", []rpc.Plugin{ignorecase.New()}},
		{"folded", "/Math/ADD", []rpc.Plugin{ignorecase.New()}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			srv, err := rpc.NewEndpoint(rpc.Config{}, tt.plugins...)
			must(b, err)
			defer srv.Close()
			_, err = srv.Router().RouteCall(new(Math))
			must(b, err)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			must(b, err)
			go srv.Serve(l)
			cli, err := rpc.NewEndpoint(rpc.Config{})
			must(b, err)
			defer cli.Close()
			s, err := cli.Dial(context.Background(), l.Addr().String())
			must(b, err)
			ctx := context.Background()
			arg := []int{1, 2, 3}
			b.ReportAllocs()
			for b.Loop() {
				var sum int
				if err := s.Call(ctx, tt.method, arg, &sum); err != nil || sum != 6 {
					b.Fatal(sum, err)
				}
			}
		})
	}
}

package securebody_test

import (
	"context"
	"net"
	"testing"

	"github.com/dmicro-go/dmicro/plugin/securebody"
	"github.com/dmicro-go/dmicro/rpc"
)

// BenchmarkCall measures one call of []int{1, 2, 3}, summed, over loopback
// TCP: between two endpoints without the plugin ("bare"), with it but the
// call not marked ("clear"), and marked, so that the call and its reply
// are sealed ("sealed").
func BenchmarkCall(b *testing.B) {
	sb := newPlugin(b, keyA)
	tests := []struct {
		name    string
		plugins []rpc.Plugin
		opts    []rpc.CallOption
	}{
		{"bare", nil, nil},
		{"clear", []rpc.Plugin{sb}, nil},
		{"sealed", []rpc.Plugin{sb}, []rpc.CallOption{securebody.On()}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			s := benchPair(b, tt.plugins...)
			ctx := context.Background()
			arg := []int{1, 2, 3}
			b.ReportAllocs()
			for b.Loop() {
				var sum int
				if err := s.Call(ctx, "/math/sum", arg, &sum, tt.opts...); err != nil || sum != 6 {
					b.Fatal(sum, err)
				}
			}
		})
	}
}

// benchPair serves /math/sum and returns a session to it; both endpoints
// have plugins.
func benchPair(b *testing.B, plugins ...rpc.Plugin) *rpc.Session {
	srv, err := rpc.NewEndpoint(rpc.Config{}, plugins...)
	must(b, err)
	b.Cleanup(func() { srv.Close() })
	must(b, srv.Router().HandleCall("/math/sum", rpc.CallFunc(func(_ *rpc.CallCtx, nums *[]int) (int, error) {
		sum := 0
		for _, n := range *nums {
			sum += n
		}
		return sum, nil
	})))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(b, err)
	go srv.Serve(l)
	cli, err := rpc.NewEndpoint(rpc.Config{}, plugins...)
	must(b, err)
	b.Cleanup(func() { cli.Close() })
	s, err := cli.Dial(context.Background(), l.Addr().String())
	must(b, err)
	return s
}

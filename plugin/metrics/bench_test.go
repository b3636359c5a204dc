package metrics

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// BenchmarkCall measures a small call ([]int{1, 2, 3} summed, over
// loopback TCP in one process, one session) without the plugin ("bare")
// and with a Metrics on each side ("metrics"), by 1 and by 64 concurrent
// callers, so that ns/op and allocs/op show what the plugin adds.
func BenchmarkCall(b *testing.B) {
	for _, c := range []struct {
		name    string
		plugins func(b *testing.B) (srv, cli rpc.Plugin)
	}{
		{"bare", func(*testing.B) (_, _ rpc.Plugin) { return }},
		{"metrics", func(b *testing.B) (rpc.Plugin, rpc.Plugin) {
			return newMetrics(b, Config{}), newMetrics(b, Config{})
		}},
	} {
		for _, callers := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/callers=%d", c.name, callers), func(b *testing.B) {
				srvPlug, cliPlug := c.plugins(b)
				p := newPair(b, nil, srvPlug, cliPlug)
				ctx := rpctest.Context(b)
				arg := []int{1, 2, 3}
				b.ReportAllocs()
				if callers == 1 {
					var sum int
					for b.Loop() {
						if err := p.sess.Call(ctx, "/math/add", arg, &sum); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				procs := runtime.GOMAXPROCS(0)
				b.SetParallelism((callers + procs - 1) / procs)
				var once sync.Once
				b.RunParallel(func(pb *testing.PB) {
					var sum int
					for pb.Next() {
						if err := p.sess.Call(ctx, "/math/add", arg, &sum); err != nil {
							once.Do(func() { b.Error(err) })
							return
						}
					}
				})
			})
		}
	}
}

package metrics

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// BenchmarkCall measures a small call ([]int{1, 2, 3} summed, over
// loopback TCP in one process, one session) without the plugin ("bare")
// and with a Metrics on each side ("metrics"), by 1 and by 64 concurrent
// callers, so that ns/op and allocs/op show what the plugin adds. It also
// reports cpu-ns/op, the process's CPU time (both endpoints) per call,
// which other programs on a busy machine disturb less than ns/op.
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
				defer reportCPU(b, processCPU())
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

// BenchmarkRecord measures what the plugin does for one call, both sides
// counted (the same functions the hooks run, without the endpoint): the
// shard picks, the lookups, the clock reads and the atomic adds. It runs
// on one goroutine, and on 64 sharing one Metrics per side, where the
// atomics are contended: with the counters as New keeps them (striped
// with 4 Ps or more), and "striped" over 4 shards whatever the Ps.
// Compare it with BenchmarkCall/bare.
func BenchmarkRecord(b *testing.B) {
	for _, c := range []struct {
		callers, shards int // shards 0: as New chooses
	}{{1, 0}, {64, 0}, {64, 4}} {
		name := fmt.Sprintf("callers=%d", c.callers)
		if c.shards > 0 {
			name += "/striped"
		}
		b.Run(name, func(b *testing.B) {
			shards := c.shards
			if shards == 0 {
				shards = numShards()
			}
			srvM, cliM := newStriped(b, Config{}, shards), newStriped(b, Config{}, shards)
			readAt := time.Now() // the rpc reads the clock when a call arrives
			record := func() {   // what the hooks of both sides do for one call
				st, _ := cliM.method("/math/add") // InterceptCall
				start := cliM.clock()
				srvM.replyWritten("/math/add", time.Since(readAt), 0) // AfterWriteReply
				cliM.callReturned(st, cliM.clock()-start, nil)        // InterceptCall
			}
			b.ReportAllocs()
			if c.callers == 1 {
				for b.Loop() {
					record()
				}
				return
			}
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((c.callers + procs - 1) / procs)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					record()
				}
			})
		})
	}
}

// reportCPU reports the CPU time used since start per iteration of b.
func reportCPU(b *testing.B, start time.Duration) {
	if used := processCPU() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

package plugin_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/internal/loadgen"
	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/plugin/event"
	"github.com/dmicro-go/dmicro/plugin/heartbeat"
	"github.com/dmicro-go/dmicro/plugin/ignorecase"
	"github.com/dmicro-go/dmicro/plugin/metrics"
	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/plugin/securebody"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// setup is one configuration of BenchmarkPlugins: the plugins of the
// server and of the client, and the options of each call.
type setup struct {
	name     string
	plugins  func(b *testing.B) (srv, cli []rpc.Plugin)
	opts     []rpc.CallOption
	method   string
	viaProxy bool // the client calls a proxy endpoint that forwards to the server
}

// must returns v, or panics with err: the setups' constructors fail only
// on a mistake in this file.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func setups() []setup {
	key := make([]byte, 32)
	verify := func(_ context.Context, cred string, _ *rpc.Session) (any, error) { return cred, nil }
	authPlugins := func(b *testing.B) ([]rpc.Plugin, []rpc.Plugin) {
		return []rpc.Plugin{must(auth.NewServer(auth.ServerConfig{Verify: verify}))},
			[]rpc.Plugin{must(auth.NewClient(auth.ClientConfig{Token: "t0ken"}))}
	}
	metricsPlugins := func(b *testing.B) ([]rpc.Plugin, []rpc.Plugin) {
		return []rpc.Plugin{must(metrics.New(metrics.Config{}))}, []rpc.Plugin{must(metrics.New(metrics.Config{}))}
	}
	eventPlugins := func(listen bool) func(b *testing.B) ([]rpc.Plugin, []rpc.Plugin) {
		return func(b *testing.B) ([]rpc.Plugin, []rpc.Plugin) {
			bus := must(event.NewBus(event.BusConfig{}))
			b.Cleanup(func() { bus.Close(context.Background()) })
			if listen {
				must(bus.Subscribe("rpc.**", func(context.Context, event.Event) error { return nil }))
			}
			return []rpc.Plugin{event.NewPlugin(bus)}, []rpc.Plugin{event.NewPlugin(bus)}
		}
	}
	return []setup{
		{name: "bare", plugins: func(*testing.B) (_, _ []rpc.Plugin) { return }},
		{name: "auth", plugins: authPlugins},
		{name: "heartbeat", plugins: func(*testing.B) ([]rpc.Plugin, []rpc.Plugin) {
			return []rpc.Plugin{heartbeat.New(heartbeat.Config{})}, []rpc.Plugin{heartbeat.New(heartbeat.Config{})}
		}},
		{name: "ignorecase", plugins: func(*testing.B) ([]rpc.Plugin, []rpc.Plugin) {
			return []rpc.Plugin{ignorecase.New()}, nil
		}},
		{name: "ignorecase-folded", method: "/Math/ADD", plugins: func(*testing.B) ([]rpc.Plugin, []rpc.Plugin) {
			return []rpc.Plugin{ignorecase.New()}, nil
		}},
		{name: "securebody", opts: []rpc.CallOption{securebody.On()}, plugins: func(b *testing.B) ([]rpc.Plugin, []rpc.Plugin) {
			sb := must(securebody.New(key))
			return []rpc.Plugin{sb}, []rpc.Plugin{sb}
		}},
		{name: "event", plugins: eventPlugins(false)},
		{name: "event-listener", plugins: eventPlugins(true)},
		{name: "metrics", plugins: metricsPlugins},
		{name: "proxy", viaProxy: true, plugins: func(*testing.B) (_, _ []rpc.Plugin) { return }},
	}
}

// BenchmarkPlugins makes a small call ([]int{1, 2, 3} summed, loopback
// TCP, raw frames, one session, both endpoints in this process) bare and
// with each plugin on both sides where it has two, by 1 and by 64 callers,
// so that ns/op, cpu-ns/op (the process's CPU time per call) and
// allocs/op show what each adds. "ignorecase-folded" calls "/Math/ADD";
// "event" has no listener, "event-listener" one synchronous no-op
// listener on every topic; "proxy" passes each call through a proxy
// endpoint, one hop more.
func BenchmarkPlugins(b *testing.B) {
	for _, s := range setups() {
		for _, callers := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/callers=%d", s.name, callers), func(b *testing.B) {
				sess := start(b, s)
				method := s.method
				if method == "" {
					method = "/math/add"
				}
				ctx := rpctest.Context(b)
				arg := []int{1, 2, 3}
				var sum int
				if err := sess.Call(ctx, method, arg, &sum, s.opts...); err != nil || sum != 6 {
					b.Fatalf("first call: sum %d, err %v", sum, err)
				}
				b.ReportAllocs()
				cpu := loadgen.Self().CPU
				defer func() {
					if used := loadgen.Self().CPU - cpu; used > 0 && b.N > 0 {
						b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
					}
				}()
				b.ResetTimer()
				if callers == 1 {
					for range b.N {
						if err := sess.Call(ctx, method, arg, &sum, s.opts...); err != nil {
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
						if err := sess.Call(ctx, method, arg, &sum, s.opts...); err != nil {
							once.Do(func() { b.Error(err) })
							return
						}
					}
				})
			})
		}
	}
}

// start serves rpctest.Math with the setup's server plugins (behind a
// proxy endpoint when it asks) and dials it with its client plugins.
func start(b *testing.B, s setup) *rpc.Session {
	b.Helper()
	srvPlug, cliPlug := s.plugins(b)
	addr := serve(b, srvPlug, func(r *rpc.Router) error {
		_, err := r.RouteCall(new(rpctest.Math))
		return err
	})
	if s.viaProxy {
		p := must(proxy.New(proxy.Config{Addr: addr}))
		addr = serve(b, []rpc.Plugin{p}, nil)
	}
	cli := must(rpc.NewEndpoint(rpc.Config{}, cliPlug...))
	b.Cleanup(func() { cli.Close() })
	return must(cli.Dial(rpctest.Context(b), addr))
}

// serve starts an endpoint with plugins on a loopback port until the
// benchmark ends and returns its address.
func serve(b *testing.B, plugins []rpc.Plugin, routes func(*rpc.Router) error) string {
	b.Helper()
	srv := must(rpc.NewEndpoint(rpc.Config{}, plugins...))
	if routes != nil {
		if err := routes(srv.Router()); err != nil {
			b.Fatal(err)
		}
	}
	l := must(net.Listen("tcp", "127.0.0.1:0"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	b.Cleanup(func() {
		srv.Close()
		<-done
	})
	return l.Addr().String()
}

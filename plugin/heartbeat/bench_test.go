package heartbeat_test

import (
	"context"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/plugin/heartbeat"
	"github.com/dmicro-go/dmicro/rpc"
)

// BenchmarkCall measures a small call (/math/add of []int{1, 2, 3}) over
// loopback TCP between two endpoints: bare, and with the plugin on both
// sides, at the default Interval (what every frame costs: a flag set in
// BeforeReadHeader) and at a short one (the watcher looks at the session
// every 2.5 ms, and finds it busy).
func BenchmarkCall(b *testing.B) {
	cases := []struct {
		name string
		cfg  *heartbeat.Config // nil: no plugin
	}{
		{"bare", nil},
		{"heartbeat", &heartbeat.Config{}},
		{"heartbeat-10ms", &heartbeat.Config{Interval: 10 * time.Millisecond}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var plugins []rpc.Plugin
			if c.cfg != nil {
				plugins = append(plugins, heartbeat.New(*c.cfg))
			}
			_, addr := serve(b, format{}, rpc.Config{}, "", plugins...)
			s := dial(b, client(b, format{}, rpc.Config{}, plugins...), addr)
			ctx := context.Background()
			arg := []int{1, 2, 3}
			b.ReportAllocs()
			for b.Loop() {
				var sum int
				if err := s.Call(ctx, "/math/add", arg, &sum); err != nil || sum != 6 {
					b.Fatalf("call: %d, %v", sum, err)
				}
			}
		})
	}
}

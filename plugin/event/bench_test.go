package event_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/plugin/event"
	"github.com/dmicro-go/dmicro/rpc"
)

// BenchmarkCall measures one small call ([]int{1,2,3} summed) on one
// session: without the plugin, with it on both endpoints and nobody
// listening, and with a listener of both sides' call events, synchronous
// or asynchronous.
func BenchmarkCall(b *testing.B) {
	nop := func(n *atomic.Int64) event.Listener {
		return func(context.Context, event.Event) error { n.Add(1); return nil }
	}
	cases := []struct {
		name   string
		plugin bool
		opts   []event.SubOption // nil: no listener
	}{
		{"bare", false, nil},
		{"plugin/no-listeners", true, nil},
		{"plugin/sync-listener", true, []event.SubOption{}},
		{"plugin/async-listener", true, []event.SubOption{event.Async()}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bus, err := event.NewBus(event.BusConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer bus.Close(context.Background())
			var got atomic.Int64
			if c.opts != nil {
				if _, err := bus.Subscribe("rpc.call.*", nop(&got), c.opts...); err != nil {
					b.Fatal(err)
				}
			}
			var plugins []rpc.Plugin
			if c.plugin {
				plugins = []rpc.Plugin{event.NewPlugin(bus)}
			}
			srv, err := rpc.NewEndpoint(rpc.Config{}, plugins...)
			if err != nil {
				b.Fatal(err)
			}
			err = srv.Router().HandleCall("/sum", rpc.CallFunc(sum))
			if err != nil {
				b.Fatal(err)
			}
			_, sess := dial(b, rpc.Config{}, serve(b, srv), plugins...)
			ctx := context.Background()
			arg := []int{1, 2, 3}
			b.ReportAllocs()
			for b.Loop() {
				var total int
				if err := sess.Call(ctx, "/sum", arg, &total); err != nil || total != 6 {
					b.Fatal(total, err)
				}
			}
		})
	}
}

// sum is the handler of "/sum".
func sum(ctx *rpc.CallCtx, nums *[]int) (int, error) {
	total := 0
	for _, n := range *nums {
		total += n
	}
	return total, nil
}

// BenchmarkPublish measures Publish alone: a topic nobody listens to
// (among other subscriptions), one synchronous listener, and one
// asynchronous listener (the queue may drop under the benchmark's rate).
func BenchmarkPublish(b *testing.B) {
	nop := func(context.Context, event.Event) error { return nil }
	for _, c := range []struct {
		name  string
		topic string
	}{
		{"no-listeners", "rpc.call.returned"},
		{"sync", "rpc.call.served"},
		{"async", "rpc.push.received"},
	} {
		b.Run(c.name, func(b *testing.B) {
			bus, err := event.NewBus(event.BusConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer bus.Close(context.Background())
			for _, p := range []string{"rpc.session.*", "app.**", "*.x.y"} {
				bus.Subscribe(p, nop)
			}
			bus.Subscribe("rpc.call.served", nop)
			bus.Subscribe("rpc.push.*", nop, event.Async())
			ev := event.Event{Topic: c.topic, Data: any(1)}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				bus.Publish(ctx, ev)
			}
		})
	}
}

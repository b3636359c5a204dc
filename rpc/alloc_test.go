package rpc_test

import (
	"context"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

// TestCallAllocations pins what a call costs the framework, client and
// server together, in heap allocations. The bodies pass through as rpc.Raw
// so that no codec allocates: what remains is the server's call record and
// the fallback handler's reply value (handlers run on pooled workers, so
// no goroutine is started per call).
func TestCallAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	t.Run("no interceptor", func(t *testing.T) { testCallAllocations(t, nil, nil) })
	// Interceptors are chained once, when the endpoint and the route are
	// made: a pass-through one on each side costs no allocation per call.
	t.Run("an interceptor each side", func(t *testing.T) {
		testCallAllocations(t, []rpc.Plugin{passThrough{}}, []rpc.Plugin{passThrough{}})
	})
}

// passThrough is an interceptor on both sides that only calls next.
type passThrough struct{}

func (passThrough) Name() string { return "pass-through" }

func (passThrough) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) { return next(ctx, m) }
}

func (passThrough) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error { return next(ctx, m, reply) }
}

func testCallAllocations(t *testing.T, srvPlug, cliPlug []rpc.Plugin) {
	p := newPair(t, pairOptions{srvPlug: srvPlug, cliPlug: cliPlug, setup: func(srv *rpc.Endpoint) {
		err := srv.Router().SetUnknownCall(func(c *rpc.CallCtx) (any, error) {
			return rpc.Raw{Codec: c.BodyCodec(), Data: c.RawBody()}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}})
	ctx := testCtx(t)
	arg := &rpc.Raw{Codec: 's', Data: make([]byte, 581)}
	var reply rpc.Raw
	call := func() {
		if err := p.sess.Call(ctx, "/echo", arg, &reply); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		call() // warm the pools
	}
	const budget = 2
	if got := testing.AllocsPerRun(500, call); got > budget {
		t.Fatalf("a call allocates %.1f times, client and server together; the budget is %d", got, budget)
	}
}

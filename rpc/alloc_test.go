package rpc_test

import (
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
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
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

package rpc_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

// TestInlineHandlerCallsBack: a lone call's handler runs in the reader's
// goroutine; when it calls the client back over the same connection and
// waits for the answer, which only this connection's reader can bring, a
// new reader takes over and the call completes.
func TestInlineHandlerCallsBack(t *testing.T) {
	p := newPair(t, pairOptions{
		setup: func(srv *rpc.Endpoint) {
			srv.Router().HandleCall("/ask-back", rpc.CallFunc(func(ctx *rpc.CallCtx, q *string) (string, error) {
				var a string
				err := ctx.Session().Call(ctx.Context(), "/client/answer", *q, &a)
				return "server heard " + a, err
			}))
		},
		cliSetup: func(cli *rpc.Endpoint) {
			cli.Router().HandleCall("/client/answer", rpc.CallFunc(func(_ *rpc.CallCtx, q *string) (string, error) {
				return *q + "!", nil
			}))
		},
	})
	for i := range 3 { // the first takes over; later ones run inline again on the new reader
		var out string
		if err := p.sess.Call(testCtx(t), "/ask-back", "hi", &out); err != nil || out != "server heard hi!" {
			t.Fatalf("call %d: %q, %v", i, out, err)
		}
	}
}

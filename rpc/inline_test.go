package rpc_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
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

// TestBatchRepliesNotHeldByPartialFrame: the replies to calls read
// together are held back until the batch ends, and it ends where the next
// frame has not arrived whole: they must go out before the reader waits
// for the rest of it, which this peer sends only after it has them.
func TestBatchRepliesNotHeldByPartialFrame(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		srv.Router().HandleCall("/echo", rpc.CallFunc(func(_ *rpc.CallCtx, s *string) (string, error) { return *s, nil }))
	}})
	r := biMustDialRaw(t, p.addr)
	var all []byte
	for seq := uint32(1); seq <= 3; seq++ {
		m := wire.Message{Type: wire.TypeCall, Seq: seq, Method: "/echo", Codec: biCodecJSON, Body: []byte(`"hi"`)}
		var err error
		if all, err = r.fr.AppendMessage(all, &m); err != nil {
			t.Fatal(err)
		}
	}
	// Two whole calls and all but the last byte of a third, in one write.
	if _, err := r.nc.Write(all[:len(all)-1]); err != nil {
		t.Fatal(err)
	}
	for seq := uint32(1); seq <= 2; seq++ {
		if _, err := r.readReply(seq, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.nc.Write(all[len(all)-1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.readReply(3, 0); err != nil {
		t.Fatal(err)
	}
}

// TestHandlersOfOneConnectionWaitForEachOther: calls on one connection may
// wait for each other, whether the reader runs them itself or not: each of
// n calls returns only once all n handlers are running.
func TestHandlersOfOneConnectionWaitForEachOther(t *testing.T) {
	const n = 8
	var running atomic.Int32
	all := make(chan struct{})
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		srv.Router().HandleCall("/meet", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *string) (string, error) {
			if running.Add(1) == n {
				close(all)
			}
			select {
			case <-all:
				return "met", nil
			case <-ctx.Context().Done():
				return "", ctx.Context().Err()
			}
		}))
	}})
	errs := make(chan error, n)
	for range n {
		go func() {
			var out string
			errs <- p.sess.Call(testCtx(t), "/meet", "", &out)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestSlowHandlerLeavesTheReader: a handler that runs long in the reader's
// goroutine a few times in a row is left to workers, and earns its way
// back with quick runs.
func TestSlowHandlerLeavesTheReader(t *testing.T) {
	var slow atomic.Bool
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		srv.Router().HandleCall("/work", rpc.CallFunc(func(_ *rpc.CallCtx, _ *string) (string, error) {
			if slow.Load() {
				time.Sleep(2 * time.Millisecond) // the handler's own work, longer than the reader lends itself for
			}
			return "done", nil
		}))
	}})
	call := func() {
		t.Helper()
		var out string
		if err := p.sess.Call(testCtx(t), "/work", "", &out); err != nil {
			t.Fatal(err)
		}
	}
	call()
	if !rpc.HandlerRunsInline(p.srv, "/work") {
		t.Fatal("a quick handler is not run by the reader")
	}
	slow.Store(true)
	waitFor(t, "the slow handler to leave the reader", func() bool {
		call()
		return !rpc.HandlerRunsInline(p.srv, "/work")
	})
	slow.Store(false)
	// A run counts as quick by its duration, which a loaded machine (or
	// the race detector) stretches past 50 µs: here every run of the quick
	// handler counts, and 3 of them bring it back, not 1024.
	rpc.SetQuickRun(p.srv, time.Second)
	rpc.SetHandlerSlowRuns(p.srv, "/work", 3)
	waitFor(t, "the handler, quick again, to come back to the reader", func() bool {
		call()
		return rpc.HandlerRunsInline(p.srv, "/work")
	})
}

package rpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// ctxEnd is what a handler saw of its context's end.
type ctxEnd struct {
	err, cause error
}

// TestHandlerContextKeepsGosContract: a handler's context ends with exactly
// context.Canceled or context.DeadlineExceeded (so err == context.Canceled
// and errors.Is work in user code), and context.Cause says why: the caller
// canceled, the caller's deadline passed, the connection closed, the
// handler returned. Derived contexts report the same.
func TestHandlerContextKeepsGosContract(t *testing.T) {
	ended := make(chan ctxEnd, 1)
	started := make(chan struct{}, 1)
	var kept context.Context
	keptSet := make(chan struct{}, 1)
	wait := func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
		hctx := context.WithValue(ctx.Context(), identityKey{}, "x") // a derived context, as user code makes
		started <- struct{}{}
		<-hctx.Done()
		ended <- ctxEnd{err: hctx.Err(), cause: context.Cause(hctx)}
		return 0, nil
	}
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		must(t, srv.Router().HandleCall("/wait", rpc.CallFunc(wait)))
		must(t, srv.Router().HandleCall("/keep", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
			kept = ctx.Context()
			keptSet <- struct{}{}
			return 1, nil
		})))
	}})
	check := func(name string, got ctxEnd, wantErr, wantCause error) {
		t.Helper()
		if got.err != wantErr {
			t.Errorf("%s: Err() = %#v, want exactly %v", name, got.err, wantErr)
		}
		if !errors.Is(got.err, wantErr) {
			t.Errorf("%s: errors.Is(Err(), %v) is false", name, wantErr)
		}
		if got.cause != wantCause {
			t.Errorf("%s: context.Cause = %v, want %v", name, got.cause, wantCause)
		}
	}

	// The caller cancels.
	ctx, cancel := context.WithCancel(testCtx(t))
	call := p.sess.AsyncCall(ctx, "/wait", struct{}{}, nil)
	<-started
	cancel()
	check("caller canceled", <-ended, context.Canceled, rpc.ErrCallerCanceled)
	<-call.Done()

	// The caller's deadline passes.
	ctx, cancel = context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancel()
	call = p.sess.AsyncCall(ctx, "/wait", struct{}{}, nil)
	<-started
	check("deadline", <-ended, context.DeadlineExceeded, rpc.ErrCallerDeadline)
	<-call.Done()

	// The handler returned: a context kept past the handler has ended.
	if err := p.sess.Call(testCtx(t), "/keep", struct{}{}, nil); err != nil {
		t.Fatal(err)
	}
	<-keptSet
	<-kept.Done()
	check("handler returned", ctxEnd{err: kept.Err(), cause: context.Cause(kept)}, context.Canceled, rpc.ErrHandlerReturned)

	// The connection closes under a running handler.
	call = p.sess.AsyncCall(testCtx(t), "/wait", struct{}{}, nil)
	<-started
	p.serverSession(t).Close()
	check("connection closed", <-ended, context.Canceled, rpc.ErrConnClosed)
	<-call.Done()
}

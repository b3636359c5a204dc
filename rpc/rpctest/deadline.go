package rpctest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

func testDeadlinePropagates(t *testing.T, env Env) {
	_, _, sess := pair(t, env)
	var left int64
	if err := sess.Call(Context(t), "/echo/deadline", struct{}{}, &left); err != nil {
		t.Fatal(err)
	}
	if left <= 0 || time.Duration(left) > Timeout {
		t.Fatalf("handler saw %v left, want within (0, %v]", time.Duration(left), Timeout)
	}
	left = -1
	if err := sess.Call(context.Background(), "/echo/deadline", struct{}{}, &left); err != nil || left != 0 {
		t.Fatalf("without a deadline the handler saw %v, %v", time.Duration(left), err)
	}
}

func testCallerDeadline(t *testing.T, env Env) {
	_, _, sess := pair(t, env)
	ctx, cancel := context.WithTimeout(Context(t), 100*time.Millisecond)
	defer cancel()
	err := sess.Call(ctx, "/echo/wait", struct{}{}, nil)
	if rpc.CodeOf(err) != rpc.CodeDeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call past its deadline: %v", err)
	}
	// An expired context is refused before anything is sent.
	err = sess.Call(ctx, "/echo/say", "x", nil)
	if rpc.CodeOf(err) != rpc.CodeDeadlineExceeded {
		t.Fatalf("call with an expired context: %v", err)
	}
}

func testCallerCancel(t *testing.T, env Env) {
	srv, _, sess := pair(t, env)
	ended := make(chan error, 1)
	started := make(chan struct{})
	if err := srv.ep.Router().HandleCall("/block", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (int, error) {
		close(started)
		<-c.Context().Done()
		ended <- c.Context().Err()
		return 0, nil
	})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(Context(t))
	call := sess.AsyncCall(ctx, "/block", struct{}{}, nil)
	<-started
	cancel()
	if err := call.Err(); rpc.CodeOf(err) != rpc.CodeCanceled {
		t.Fatalf("cancelled call: %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler context ended with %v, want Canceled", err)
	}
}

func testTooLarge(t *testing.T, env Env) {
	srv := startServer(t, env, rpc.Config{MaxMessageSize: 4 << 10}, nil, env.Addr(t), registerServices)
	cli := newClient(t, env, rpc.Config{MaxMessageSize: 1 << 20}, nil)
	sess := dial(t, cli, srv.addr)
	big := strings.Repeat("x", 16<<10)
	err := sess.Call(Context(t), "/echo/say", big, nil)
	if rpc.CodeOf(err) != rpc.CodeTooLarge {
		t.Fatalf("call over the server's limit: %v", err)
	}
	var s string
	if err := sess.Call(Context(t), "/echo/say", "small", &s); err != nil || s != "small" {
		t.Fatalf("the session did not survive: %q, %v", s, err)
	}
}

func testServerVanishes(t *testing.T, env Env) {
	srv, _, sess := pair(t, env)
	started := make(chan struct{})
	if err := srv.ep.Router().HandleCall("/hang", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (int, error) {
		close(started)
		<-c.Context().Done()
		return 0, nil
	})); err != nil {
		t.Fatal(err)
	}
	call := sess.AsyncCall(Context(t), "/hang", struct{}{}, nil)
	<-started
	srv.close()
	if err := call.Err(); rpc.CodeOf(err) != rpc.CodeConnClosed {
		t.Fatalf("call on a vanished server: %v", err)
	}
	if err := sess.Call(Context(t), "/echo/say", "x", nil); err == nil {
		t.Fatal("a call after the server vanished succeeded")
	}
}

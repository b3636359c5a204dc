package rpctest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

func testCall(t *testing.T, env Env) {
	_, _, sess := pair(t, env)
	var sum int
	if err := sess.Call(Context(t), "/math/add", []int{1, 2, 3, 4, 5}, &sum); err != nil {
		t.Fatal(err)
	}
	if sum != 15 {
		t.Fatalf("sum = %d, want 15", sum)
	}
	var s string
	if err := sess.Call(Context(t), "/echo/say", "héllo, 世界", &s); err != nil || s != "héllo, 世界" {
		t.Fatalf("echo = %q, %v", s, err)
	}
}

func testCallMetadata(t *testing.T, env Env) {
	_, _, sess := pair(t, env)
	var md rpc.Metadata
	var sum int
	err := sess.Call(Context(t), "/math/add", []int{2, 3}, &sum, rpc.WithMeta("author", "liuzhiming"), rpc.WithReplyMeta(&md))
	if err != nil {
		t.Fatal(err)
	}
	if got := md.Get("author"); got != "liuzhiming" {
		t.Fatalf("reply metadata author = %q, want the request's", got)
	}
}

func testPushToServer(t *testing.T, env Env) {
	got := make(chan string, 1)
	srv := startServer(t, env, rpc.Config{}, nil, env.Addr(t), func(ep *rpc.Endpoint) {
		err := ep.Router().HandlePush("/note/add", rpc.PushFunc(func(ctx *rpc.PushCtx, s *string) error {
			got <- *s + "/" + ctx.PeekMeta("k")
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
	})
	cli := newClient(t, env, rpc.Config{}, nil)
	sess := dial(t, cli, srv.addr)
	if err := sess.Push(Context(t), "/note/add", "hi", rpc.WithMeta("k", "v")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "hi/v" {
			t.Fatalf("push delivered %q", s)
		}
	case <-Context(t).Done():
		t.Fatal("push never arrived")
	}
}

func testServerCallsClient(t *testing.T, env Env) {
	srv, _, sess := pair(t, env)
	ss := serverSession(t, srv.ep)
	var reply string
	if err := ss.Call(Context(t), "/client/hello", "server", &reply); err != nil {
		t.Fatal(err)
	}
	if reply != "hello server" {
		t.Fatalf("reply %q", reply)
	}
	// The client's own calls still work alongside.
	var sum int
	if err := sess.Call(Context(t), "/math/add", []int{1}, &sum); err != nil || sum != 1 {
		t.Fatalf("client call after server call: %d, %v", sum, err)
	}
}

func testServerPushesClient(t *testing.T, env Env) {
	got := make(chan string, 2)
	srv := startServer(t, env, rpc.Config{}, nil, env.Addr(t), registerServices)
	cli := newClient(t, env, rpc.Config{}, func(ep *rpc.Endpoint) {
		err := ep.Router().HandlePush("/news", rpc.PushFunc(func(_ *rpc.PushCtx, s *string) error {
			got <- *s
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
	})
	dial(t, cli, srv.addr)
	serverSession(t, srv.ep)
	if err := srv.ep.Broadcast(Context(t), "/news", "extra"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "extra" {
		t.Fatalf("push %q", s)
	}
}

func testConcurrent(t *testing.T, env Env) {
	_, _, sess := pair(t, env)
	const callers, calls = 32, 50
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				var s string
				want := fmt.Sprintf("%d-%d", g, i)
				if err := sess.Call(Context(t), "/echo/say", want, &s); err != nil || s != want {
					errs <- fmt.Errorf("caller %d call %d: %q, %v", g, i, s, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testErrors(t *testing.T, env Env) {
	_, _, sess := pair(t, env)
	ctx := Context(t)
	err := sess.Call(ctx, "/no/such", nil, nil)
	if rpc.CodeOf(err) != rpc.CodeNotFound || !strings.Contains(err.Error(), "/no/such") {
		t.Errorf("unknown method: %v", err)
	}
	code := int(rpc.CodeUser + 42)
	err = sess.Call(ctx, "/echo/fail", code, nil)
	var st *rpc.Status
	if !errors.As(err, &st) || st.Code() != rpc.CodeUser+42 || st.Message() != "asked to fail" {
		t.Errorf("user status: %v", err)
	}
	err = sess.Call(ctx, "/echo/panic", struct{}{}, nil)
	if rpc.CodeOf(err) != rpc.CodePanic || strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "panic_id") {
		t.Errorf("panic: %v (want CodePanic, an id, and not the panic's text)", err)
	}
	err = sess.Call(ctx, "/math/add", "not a list", nil)
	if rpc.CodeOf(err) != rpc.CodeCodec {
		t.Errorf("bad argument: %v", err)
	}
	var sum int
	if err := sess.Call(ctx, "/math/add", []int{4}, &sum); err != nil || sum != 4 {
		t.Errorf("the session did not survive the errors: %d, %v", sum, err)
	}
}

package rpc_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

type identityKey struct{}

// order records the interceptors' entries and exits in order.
type order struct {
	mu  sync.Mutex
	log []string
}

func (o *order) add(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.log = append(o.log, s)
}

func (o *order) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.log
	o.log = nil
	return out
}

// wrapper is a plugin with a handler and a call interceptor that log their
// turns under its name.
type wrapper struct {
	name string
	o    *order
}

func (w *wrapper) Name() string { return w.name }

func (w *wrapper) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) {
		w.o.add(w.name + ">")
		r, err := next(ctx, m)
		w.o.add("<" + w.name)
		return r, err
	}
}

func (w *wrapper) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		w.o.add(w.name + ">")
		err := next(ctx, m, reply)
		w.o.add("<" + w.name)
		return err
	}
}

// authPlugin reads a token from the call's metadata, refuses a call without
// the right one, and puts the caller's identity in the handler's context.
type authPlugin struct{}

func (authPlugin) Name() string { return "auth" }

func (authPlugin) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) {
		if m.Meta().Get("token") != "s3cret" {
			return nil, rpc.NewStatus(rpc.CodeUnauthorized, "bad token")
		}
		return next(context.WithValue(ctx, identityKey{}, "alice"), m)
	}
}

// tokenPlugin adds the token to every call and push the client sends.
type tokenPlugin struct{}

func (tokenPlugin) Name() string { return "token" }

func (tokenPlugin) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		m.Meta().Set("token", "s3cret")
		return next(ctx, m, reply)
	}
}

func whoAmI(ctx *rpc.CallCtx, _ *struct{}) (string, error) {
	id, _ := ctx.Context().Value(identityKey{}).(string)
	return id, nil
}

func TestHandlerInterceptorPutsValuesInTheHandlersContext(t *testing.T) {
	pushed := make(chan string, 1)
	p := newPair(t, pairOptions{srvPlug: []rpc.Plugin{authPlugin{}}, setup: func(srv *rpc.Endpoint) {
		must(t, srv.Router().HandleCall("/whoami", rpc.CallFunc(whoAmI)))
		must(t, srv.Router().HandlePush("/hello", rpc.PushFunc(func(ctx *rpc.PushCtx, _ *struct{}) error {
			id, _ := ctx.Context().Value(identityKey{}).(string)
			pushed <- id
			return nil
		})))
	}})
	ctx := testCtx(t)
	var id string
	if err := p.sess.Call(ctx, "/whoami", struct{}{}, &id, rpc.WithMeta("token", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if id != "alice" {
		t.Fatalf("the handler saw identity %q, want alice", id)
	}
	// No token: the interceptor answers without running the handler.
	err := p.sess.Call(ctx, "/whoami", struct{}{}, &id)
	if rpc.CodeOf(err) != rpc.CodeUnauthorized {
		t.Fatalf("a call without the token: %v, want CodeUnauthorized", err)
	}
	var st *rpc.Status
	if !errors.As(err, &st) || st.Message() != "bad token" {
		t.Fatalf("the refusal reads %v, want the interceptor's message", err)
	}
	if err := p.sess.Push(ctx, "/hello", struct{}{}, rpc.WithMeta("token", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if got := <-pushed; got != "alice" {
		t.Fatalf("the push handler saw identity %q, want alice", got)
	}
}

func TestCallInterceptorAddsMetadata(t *testing.T) {
	pushed := make(chan string, 1)
	p := newPair(t, pairOptions{
		srvPlug: []rpc.Plugin{authPlugin{}},
		cliPlug: []rpc.Plugin{tokenPlugin{}},
		setup: func(srv *rpc.Endpoint) {
			must(t, srv.Router().HandleCall("/whoami", rpc.CallFunc(whoAmI)))
			must(t, srv.Router().HandlePush("/hello", rpc.PushFunc(func(ctx *rpc.PushCtx, _ *struct{}) error {
				id, _ := ctx.Context().Value(identityKey{}).(string)
				pushed <- id
				return nil
			})))
		},
	})
	ctx := testCtx(t)
	var id string
	if err := p.sess.Call(ctx, "/whoami", struct{}{}, &id); err != nil {
		t.Fatal(err)
	}
	if id != "alice" {
		t.Fatalf("identity %q, want alice", id)
	}
	if err := p.sess.Push(ctx, "/hello", struct{}{}); err != nil {
		t.Fatal(err)
	}
	if got := <-pushed; got != "alice" {
		t.Fatalf("the push handler saw identity %q, want alice", got)
	}
	// AsyncCall goes through the interceptors too.
	if err := p.sess.AsyncCall(ctx, "/whoami", struct{}{}, &id).Err(); err != nil || id != "alice" {
		t.Fatalf("AsyncCall: %q, %v", id, err)
	}
}

// A call interceptor that answers without calling next: the caller gets its
// error as a Status, and nothing is sent.
type refuseCalls struct{}

func (refuseCalls) Name() string { return "refuse" }

func (refuseCalls) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		if m.ServiceMethod() == "/forbidden" {
			return errors.New("not from here")
		}
		return next(ctx, m, reply)
	}
}

func TestCallInterceptorShortCircuits(t *testing.T) {
	var ran atomic.Int32
	p := newPair(t, pairOptions{cliPlug: []rpc.Plugin{refuseCalls{}}, setup: func(srv *rpc.Endpoint) {
		for _, path := range []string{"/forbidden", "/allowed"} {
			must(t, srv.Router().HandleCall(path, rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) {
				ran.Add(1)
				return 1, nil
			})))
		}
	}})
	ctx := testCtx(t)
	err := p.sess.Call(ctx, "/forbidden", struct{}{}, nil)
	if rpc.CodeOf(err) != rpc.CodeUnknown || err.Error() != "rpc: unknown: not from here" {
		t.Fatalf("got %v, want the interceptor's error as CodeUnknown", err)
	}
	// The allowed call is answered on the same connection, after the
	// refused one would have been: so the refused one was never sent.
	if err := p.sess.Call(ctx, "/allowed", struct{}{}, nil); err != nil {
		t.Fatal(err)
	}
	if n := ran.Load(); n != 1 {
		t.Fatalf("the server ran %d handlers, want 1 (the refused call must not be sent)", n)
	}
}

// A call interceptor may call next again: a retry on CodeUnavailable-like
// failures. Here the first attempt is refused by the server and the second,
// with the token added, passes.
type retryWithToken struct{}

func (retryWithToken) Name() string { return "retry" }

func (retryWithToken) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		err := next(ctx, m, reply)
		if rpc.CodeOf(err) == rpc.CodeUnauthorized {
			m.Meta().Set("token", "s3cret")
			err = next(ctx, m, reply)
		}
		return err
	}
}

func TestCallInterceptorRetries(t *testing.T) {
	p := newPair(t, pairOptions{
		srvPlug: []rpc.Plugin{authPlugin{}},
		cliPlug: []rpc.Plugin{retryWithToken{}},
		setup: func(srv *rpc.Endpoint) {
			must(t, srv.Router().HandleCall("/whoami", rpc.CallFunc(whoAmI)))
		},
	})
	var id string
	if err := p.sess.Call(testCtx(t), "/whoami", struct{}{}, &id); err != nil {
		t.Fatal(err)
	}
	if id != "alice" {
		t.Fatalf("identity %q after the retry, want alice", id)
	}
}

// The order: endpoint plugins in the order given, then the group's, then
// the route's, the first outermost; on the client, the order given.
func TestInterceptorOrder(t *testing.T) {
	o := &order{}
	p := newPair(t, pairOptions{
		srvPlug: []rpc.Plugin{&wrapper{"ep1", o}, &wrapper{"ep2", o}},
		cliPlug: []rpc.Plugin{&wrapper{"c1", o}, &wrapper{"c2", o}},
		setup: func(srv *rpc.Endpoint) {
			g, err := srv.Router().Group("/g", &wrapper{"group", o})
			must(t, err)
			must(t, g.HandleCall("/echo", rpc.CallFunc(func(_ *rpc.CallCtx, arg *int) (int, error) {
				o.add("handler")
				return *arg, nil
			}), &wrapper{"route", o}))
		},
	})
	var got int
	if err := p.sess.Call(testCtx(t), "/g/echo", 7, &got); err != nil || got != 7 {
		t.Fatalf("call: %d, %v", got, err)
	}
	want := []string{"c1>", "c2>", "ep1>", "ep2>", "group>", "route>", "handler", "<route", "<group", "<ep2", "<ep1", "<c2", "<c1"}
	if log := o.take(); !slices.Equal(log, want) {
		t.Fatalf("order\n got %v\nwant %v", log, want)
	}
}

// An interceptor's panic is recovered like a handler's: the caller gets
// CodePanic and the server goes on.
type panicky struct{}

func (panicky) Name() string { return "panicky" }

func (panicky) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) {
		if m.ServiceMethod() == "/boom" {
			panic("interceptor blew up")
		}
		return next(ctx, m)
	}
}

func TestHandlerInterceptorPanic(t *testing.T) {
	p := newPair(t, pairOptions{srvPlug: []rpc.Plugin{panicky{}}, setup: func(srv *rpc.Endpoint) {
		for _, path := range []string{"/boom", "/fine"} {
			must(t, srv.Router().HandleCall(path, rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) { return 1, nil })))
		}
	}})
	ctx := testCtx(t)
	if err := p.sess.Call(ctx, "/boom", struct{}{}, nil); rpc.CodeOf(err) != rpc.CodePanic {
		t.Fatalf("got %v, want CodePanic", err)
	}
	var n int
	if err := p.sess.Call(ctx, "/fine", struct{}{}, &n); err != nil || n != 1 {
		t.Fatalf("the next call: %d, %v", n, err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

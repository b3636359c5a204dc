package proxy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

func TestForwardToAddr(t *testing.T) {
	leakcheck.Check(t)
	b, s := proxied(t, proxy.Config{}, rpc.Config{})
	add(t, s)
	add(t, s) // on the same upstream session
	if n := b.ep.CountSessions(); n != 1 {
		t.Fatalf("the backend has %d sessions, want the proxy's one", n)
	}
}

func TestLocalHandlerWins(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	_, front, addr := startProxy(t, proxy.Config{Addr: b.addr}, rpc.Config{})
	must(t, front.Router().HandleCall("/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		return "front", nil
	})))
	s := dial(t, addr, rpc.Config{})
	var who string
	must(t, s.Call(rpctest.Context(t), "/who", nil, &who))
	if who != "front" {
		t.Fatalf("/who answered by %q, want the front's own handler", who)
	}
	add(t, s) // not routed on the front: forwarded
}

func TestPickPerMethod(t *testing.T) {
	leakcheck.Check(t)
	a := startBackend(t, "a", "", rpc.Config{})
	b := startBackend(t, "b", "", rpc.Config{})
	pick := func(_ context.Context, r proxy.Request) (string, error) {
		switch {
		case strings.HasPrefix(r.Method, "/a/"):
			return a.addr, nil
		case strings.HasPrefix(r.Method, "/b/"):
			return b.addr, nil
		case r.Method == "/by/meta":
			return r.Meta.Get("to"), nil
		case r.Method == "/refused":
			return "", rpc.NewStatus(rpc.CodeUnauthorized, "not for you")
		case r.Method == "/broken":
			return "", errors.New("registry down")
		}
		return "", nil
	}
	_, _, addr := startProxy(t, proxy.Config{Pick: pick}, rpc.Config{})
	must(t, b.ep.Router().HandleCall("/by/meta", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return "b", nil })))
	for _, name := range []string{"a", "b"} {
		must(t, a.ep.Router().HandleCall("/"+name+"/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return "a", nil })))
		must(t, b.ep.Router().HandleCall("/"+name+"/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return "b", nil })))
	}
	s := dial(t, addr, rpc.Config{})
	ctx := rpctest.Context(t)
	for _, name := range []string{"a", "b", "a"} {
		var who string
		must(t, s.Call(ctx, "/"+name+"/who", nil, &who))
		if who != name {
			t.Fatalf("/%s/who answered by %s", name, who)
		}
	}

	var who string
	must(t, s.Call(ctx, "/by/meta", nil, &who, rpc.WithMeta("to", b.addr)))
	if who != "b" {
		t.Fatalf("/by/meta to b answered by %q", who)
	}
	err := s.Call(ctx, "/by/meta", nil, &who)
	wantStatus(t, err, rpc.CodeNotFound, "proxy: no upstream for /by/meta")
	err = s.Call(ctx, "/refused", nil, nil)
	wantStatus(t, err, rpc.CodeUnauthorized, "not for you")
	err = s.Call(ctx, "/broken", nil, nil)
	wantStatus(t, err, rpc.CodeUnavailable, "/broken", "registry down")
}

func TestMetadata(t *testing.T) {
	leakcheck.Check(t)
	_, s := proxied(t, proxy.Config{RealIPKey: "x-real-ip"}, rpc.Config{})
	ctx := rpctest.Context(t)

	var got map[string]string
	var md rpc.Metadata
	must(t, s.Call(ctx, "/meta", nil, &got, rpc.WithMeta("trace", "t1"), rpc.WithMeta("author", "liu"), rpc.WithReplyMeta(&md)))
	want := map[string]string{"trace": "t1", "author": "liu", proxy.HopsKey: "1", "x-real-ip": "127.0.0.1"}
	if len(got) != len(want) {
		t.Errorf("upstream got metadata %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("upstream got %s=%q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if md.Get("served-by") != "b" || md.Get("trace") != "t1/b" {
		t.Errorf("reply metadata %v, want the upstream's", md.Map())
	}

	// A real IP the caller sent is kept.
	must(t, s.Call(ctx, "/meta", nil, &got, rpc.WithMeta("x-real-ip", "10.1.2.3")))
	if got["x-real-ip"] != "10.1.2.3" {
		t.Errorf("x-real-ip %q, want the caller's", got["x-real-ip"])
	}

	// An error reply's metadata comes back too.
	md = rpc.Metadata{}
	err := s.Call(ctx, "/fail", nil, nil, rpc.WithReplyMeta(&md))
	wantStatus(t, err, rpc.CodeUser+7)
	if md.Get("why") != "told to" {
		t.Errorf("error reply metadata %v, want why=told to", md.Map())
	}
}

func TestDeadline(t *testing.T) {
	// Each case has its own backend, so that a handler of one case cannot
	// be mistaken for one of another.
	setup := func(t *testing.T) (*backend, *rpc.Session) {
		leakcheck.Check(t)
		return proxied(t, proxy.Config{}, rpc.Config{})
	}
	t.Run("crosses", func(t *testing.T) {
		_, s := setup(t)
		// An hour is far more than any delay on the way, so the deadline
		// the upstream sees is the caller's, give or take the transit
		// time: not dropped, and not replaced by one of the proxy's.
		dl := time.Now().Add(time.Hour)
		ctx, cancel := context.WithDeadline(context.Background(), dl)
		defer cancel()
		var got deadlineInfo
		must(t, s.Call(ctx, "/deadline", nil, &got))
		if !got.Has {
			t.Fatal("the upstream handler has no deadline")
		}
		if d := got.Deadline.Sub(dl); d < -time.Minute || d > time.Minute {
			t.Fatalf("upstream deadline %v after the caller's", d)
		}
	})
	t.Run("none", func(t *testing.T) {
		_, s := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got deadlineInfo
		must(t, s.Call(ctx, "/deadline", nil, &got))
		if got.Has {
			t.Fatalf("the upstream handler has a deadline (%v), the caller gave none", got.Deadline)
		}
	})
	t.Run("slow upstream", func(t *testing.T) {
		b, s := setup(t)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- s.Call(ctx, "/block", nil, nil) }()
		select {
		case <-b.started:
		case err := <-done:
			// On a loaded machine the deadline may pass before the call
			// reaches the upstream; the caller's result is the same.
			wantStatus(t, err, rpc.CodeDeadlineExceeded)
			return
		}
		wantStatus(t, recv(t, done), rpc.CodeDeadlineExceeded)
		// The upstream's handler is told: its context ends by the
		// deadline or the cancel that crossed the proxy.
		cause := recv(t, b.ended)
		if !errors.Is(cause, rpc.ErrCallerDeadline) && !errors.Is(cause, rpc.ErrCallerCanceled) {
			t.Fatalf("the upstream handler's context ended with %v, want the caller's deadline or cancel", cause)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		b, s := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- s.Call(ctx, "/block", nil, nil) }()
		recv(t, b.started)
		cancel()
		wantStatus(t, recv(t, done), rpc.CodeCanceled)
		if cause := recv(t, b.ended); !errors.Is(cause, rpc.ErrCallerCanceled) {
			t.Fatalf("the upstream handler's context ended with %v, want the caller's cancel", cause)
		}
	})
}

func TestStatusCrosses(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	must(t, b.ep.Router().HandleCall("/late", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) {
		return 0, rpc.NewStatus(rpc.CodeDeadlineExceeded, "the database took too long")
	})))
	_, _, addr := startProxy(t, proxy.Config{Addr: b.addr}, rpc.Config{})
	via := dial(t, addr, rpc.Config{})
	direct := dial(t, b.addr, rpc.Config{})
	ctx := rpctest.Context(t)
	for _, method := range []string{"/fail", "/nope", "/late"} {
		want := direct.Call(ctx, method, nil, nil)
		got := via.Call(ctx, method, nil, nil)
		if want == nil || got == nil || rpc.CodeOf(got) != rpc.CodeOf(want) || got.Error() != want.Error() {
			t.Errorf("%s: through the proxy %v, directly %v", method, got, want)
		}
	}
	err := via.Call(ctx, "/fail", nil, nil)
	wantStatus(t, err, rpc.CodeUser+7, "x")
	if msg := rpc.StatusOf(err).Message(); msg != "x" {
		t.Errorf("message %q, want x", msg)
	}
	if err := via.Call(ctx, "/late", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an upstream deadline status gave %v, want one matching context.DeadlineExceeded", err)
	}
}

func TestCodecCrosses(t *testing.T) {
	leakcheck.Check(t)
	_, s := proxied(t, proxy.Config{}, rpc.Config{})
	ctx := rpctest.Context(t)

	var p point
	must(t, s.Call(ctx, "/xml", point{X: 1, Y: 2}, &p, rpc.WithCodec("xml")))
	if p != (point{X: 2, Y: 4}) {
		t.Fatalf("/xml gave %+v", p)
	}
	// The reply is in XML too: read undecoded, it is.
	var raw rpc.Raw
	must(t, s.Call(ctx, "/xml", point{X: 1, Y: 2}, &raw, rpc.WithCodec("xml")))
	if raw.Codec != 'x' || !strings.HasPrefix(string(raw.Data), "<point>") {
		t.Fatalf("reply codec %q, body %q; want xml", raw.Codec, raw.Data)
	}

	// A codec only the caller and the upstream know crosses too: the
	// proxy does not decode bodies.
	var up string
	must(t, s.Call(ctx, "/tagged", "hello", &up, rpc.WithCodec("tagged")))
	if up != "HELLO" {
		t.Fatalf("/tagged gave %q", up)
	}
}

func TestPush(t *testing.T) {
	leakcheck.Check(t)
	b, s := proxied(t, proxy.Config{}, rpc.Config{})
	must(t, s.Push(rpctest.Context(t), "/note/add", "hi", rpc.WithCodec("plain"), rpc.WithMeta("k", "v")))
	p := recv(t, b.pushes)
	if p.method != "/note/add" || p.body != "hi" || p.codec != 's' || p.meta["k"] != "v" || p.meta[proxy.HopsKey] != "1" {
		t.Fatalf("upstream got push %+v", p)
	}
}

func TestChain(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	_, _, inner := startProxy(t, proxy.Config{Addr: b.addr}, rpc.Config{})
	_, _, outer := startProxy(t, proxy.Config{Addr: inner, RealIPKey: "x-real-ip"}, rpc.Config{})
	s := dial(t, outer, rpc.Config{})
	ctx := rpctest.Context(t)
	add(t, s)
	var got map[string]string
	var md rpc.Metadata
	must(t, s.Call(ctx, "/meta", nil, &got, rpc.WithMeta("trace", "t"), rpc.WithReplyMeta(&md)))
	if got[proxy.HopsKey] != "2" || got["trace"] != "t" || got["x-real-ip"] != "127.0.0.1" {
		t.Fatalf("upstream got %v through two proxies", got)
	}
	if md.Get("trace") != "t/b" {
		t.Fatalf("reply metadata %v", md.Map())
	}
	wantStatus(t, s.Call(ctx, "/fail", nil, nil), rpc.CodeUser+7, "x")

	// The inner proxy's upstream down: the outer passes its status on.
	b.ep.Close()
	err := s.Call(ctx, "/math/add", []int{1}, nil)
	if c := rpc.CodeOf(err); c != rpc.CodeDialFailed && c != rpc.CodeConnClosed {
		t.Fatalf("with the backend gone: %v", err)
	}
	wantStatus(t, err, rpc.CodeOf(err), b.addr)
}

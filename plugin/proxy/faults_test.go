package proxy_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// pickByPrefix sends "/down/..." to down, "/hang/..." to hang, and the
// rest to up.
func pickByPrefix(up, down, hang string) func(context.Context, proxy.Request) (string, error) {
	return func(_ context.Context, r proxy.Request) (string, error) {
		switch {
		case strings.HasPrefix(r.Method, "/down/"):
			return down, nil
		case strings.HasPrefix(r.Method, "/hang/"):
			return hang, nil
		}
		return up, nil
	}
}

func TestUpstreamDown(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	down := deadAddr(t)
	_, _, addr := startProxy(t, proxy.Config{Pick: pickByPrefix(b.addr, down, "")}, rpc.Config{})
	s := dial(t, addr, rpc.Config{})

	// Many calls at once to the upstream that is down: each gets a status
	// that names it, before its deadline.
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Call(rpctest.Context(t), "/down/x", nil, nil)
		})
	}
	wg.Wait()
	for _, err := range errs {
		wantStatus(t, err, rpc.CodeDialFailed, "proxy: upstream", down)
	}
	// The proxy serves the other calls meanwhile, and after.
	add(t, s)
	wantStatus(t, s.Call(rpctest.Context(t), "/down/x", nil, nil), rpc.CodeDialFailed, down)
	add(t, s)
}

func TestUpstreamHangs(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	// A listener that never accepts: the kernel completes the TCP
	// handshake, and nothing ever answers.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	_, _, addr := startProxy(t, proxy.Config{Pick: pickByPrefix(b.addr, "", hang.Addr().String())}, rpc.Config{})
	s := dial(t, addr, rpc.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	wantStatus(t, s.Call(ctx, "/hang/x", nil, nil), rpc.CodeDeadlineExceeded)
	add(t, s)
}

func TestUpstreamRestart(t *testing.T) {
	leakcheck.Check(t)
	b, s := proxied(t, proxy.Config{}, rpc.Config{})
	add(t, s)

	// Killed with a call in flight: the call fails naming the upstream.
	done := make(chan error, 1)
	go func() { done <- s.Call(rpctest.Context(t), "/block", nil, nil) }()
	recv(t, b.started)
	b.ep.Close()
	err := recv(t, done)
	if c := rpc.CodeOf(err); c != rpc.CodeConnClosed && c != rpc.CodeUnavailable {
		t.Fatalf("a call in flight when the upstream died: %v", err)
	}
	wantStatus(t, err, rpc.CodeOf(err), b.addr)

	// While it is down, calls fail naming it: once the proxy has seen
	// its session close, because the dial fails.
	rpctest.WaitFor(t, "calls to fail to dial the upstream", func() bool {
		err := s.Call(rpctest.Context(t), "/math/add", []int{1}, nil)
		if !strings.Contains(rpc.StatusOf(err).Message(), b.addr) {
			t.Fatalf("with the upstream down: %v", err)
		}
		return rpc.CodeOf(err) == rpc.CodeDialFailed
	})

	// Restarted on the same address, it is dialed again.
	startBackend(t, "b2", b.addr, rpc.Config{})
	rpctest.WaitFor(t, "calls through the proxy to work again", func() bool {
		return s.Call(rpctest.Context(t), "/math/add", []int{1, 2, 3}, nil) == nil
	})
	add(t, s)
}

func TestClientRedials(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	client := newClient(t, rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1}})
	_, _, addr := startProxy(t, proxy.Config{Addr: b.addr, Client: client}, rpc.Config{})
	s := dial(t, addr, rpc.Config{})
	add(t, s)
	b.ep.Close()
	// The client's session redials: meanwhile calls fail at once, naming
	// the upstream, and are not sent.
	rpctest.WaitFor(t, "calls to fail while the upstream session redials", func() bool {
		err := s.Call(rpctest.Context(t), "/math/add", []int{1}, nil)
		return rpc.CodeOf(err) == rpc.CodeUnavailable && strings.Contains(rpc.StatusOf(err).Message(), b.addr)
	})
	startBackend(t, "b2", b.addr, rpc.Config{})
	rpctest.WaitFor(t, "the upstream session to come back", func() bool {
		return s.Call(rpctest.Context(t), "/math/add", []int{1}, nil) == nil
	})
	if n := client.CountSessions(); n != 1 {
		t.Fatalf("client has %d sessions, want the one that redialed", n)
	}
}

// dialCounter is a client plugin that counts dial attempts.
type dialCounter struct{ n atomic.Int32 }

func (*dialCounter) Name() string { return "dial-counter" }

func (d *dialCounter) BeforeDial(string, bool) error {
	d.n.Add(1)
	return nil
}

func TestOneDialForConcurrentCalls(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	dc := new(dialCounter)
	client := newClient(t, rpc.Config{}, dc)
	_, _, addr := startProxy(t, proxy.Config{Addr: b.addr, Client: client}, rpc.Config{})
	s := dial(t, addr, rpc.Config{})
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			var sum int
			if err := s.Call(rpctest.Context(t), "/math/add", []int{1, 2}, &sum); err != nil || sum != 3 {
				t.Errorf("sum %d, err %v", sum, err)
			}
		})
	}
	wg.Wait()
	if n := dc.n.Load(); n != 1 {
		t.Fatalf("%d dials for the first calls to one upstream, want 1", n)
	}
	if n := b.ep.CountSessions(); n != 1 {
		t.Fatalf("the backend has %d sessions, want 1", n)
	}
}

func TestMaxUpstreams(t *testing.T) {
	leakcheck.Check(t)
	bs := map[string]*backend{}
	for _, name := range []string{"a", "b", "c"} {
		bs[name] = startBackend(t, name, "", rpc.Config{})
	}
	pick := func(_ context.Context, r proxy.Request) (string, error) {
		return bs[r.Meta.Get("to")].addr, nil
	}
	client := newClient(t, rpc.Config{})
	_, _, addr := startProxy(t, proxy.Config{Pick: pick, Client: client, MaxUpstreams: 2}, rpc.Config{})
	s := dial(t, addr, rpc.Config{})
	ctx := rpctest.Context(t)
	who := func(to string) error {
		var got string
		err := s.Call(ctx, "/who", nil, &got, rpc.WithMeta("to", to))
		if err == nil && got != to {
			t.Fatalf("/who to %s answered by %s", to, got)
		}
		return err
	}
	for _, to := range []string{"a", "b", "c", "a", "c", "b"} {
		must(t, who(to))
		if n := client.CountSessions(); n > 2 {
			t.Fatalf("%d upstream sessions, want at most 2", n)
		}
	}

	// With both places taken by calls in flight, a third upstream is
	// refused; once they end, it is served.
	bctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, to := range []string{"a", "b"} {
		wg.Go(func() { s.Call(bctx, "/block", nil, nil, rpc.WithMeta("to", to)) })
		recv(t, bs[to].started)
	}
	wantStatus(t, who("c"), rpc.CodeOverloaded, "upstream")
	cancel()
	wg.Wait()
	// The proxy's handlers of the canceled calls end soon after.
	rpctest.WaitFor(t, "a third upstream to be served", func() bool { return who("c") == nil })
}

func TestLoop(t *testing.T) {
	leakcheck.Check(t)
	var self atomic.Value
	pick := func(context.Context, proxy.Request) (string, error) { return self.Load().(string), nil }
	_, _, addr := startProxy(t, proxy.Config{Pick: pick, MaxHops: 3}, rpc.Config{})
	self.Store(addr)
	s := dial(t, addr, rpc.Config{})
	wantStatus(t, s.Call(rpctest.Context(t), "/math/add", []int{1}, nil), rpc.CodeInternal, "passed 3 proxies")
	err := s.Call(rpctest.Context(t), "/math/add", []int{1}, nil, rpc.WithMeta(proxy.HopsKey, "many"))
	wantStatus(t, err, rpc.CodeBadMessage, proxy.HopsKey)
}

func TestNoHopCount(t *testing.T) {
	leakcheck.Check(t)
	_, s := proxied(t, proxy.Config{MaxHops: -1}, rpc.Config{})
	var got map[string]string
	must(t, s.Call(rpctest.Context(t), "/meta", nil, &got))
	if _, ok := got[proxy.HopsKey]; ok {
		t.Fatalf("upstream got %v, want no hop count", got)
	}
	// A count the caller sends is then an ordinary pair.
	must(t, s.Call(rpctest.Context(t), "/meta", nil, &got, rpc.WithMeta(proxy.HopsKey, "many")))
	if got[proxy.HopsKey] != "many" {
		t.Fatalf("upstream got %v, want the caller's %s", got, proxy.HopsKey)
	}
}

func TestShutdownFinishesForwardedCalls(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	_, front, addr := startProxy(t, proxy.Config{Addr: b.addr}, rpc.Config{})
	s := dial(t, addr, rpc.Config{})
	done := make(chan error, 1)
	var got string
	go func() { done <- s.Call(rpctest.Context(t), "/gate", nil, &got) }()
	recv(t, b.started)
	shut := make(chan error, 1)
	go func() { shut <- front.Shutdown(rpctest.Context(t)) }()
	rpctest.WaitFor(t, "the proxy's endpoint to stop accepting", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	close(b.release)
	if err := recv(t, done); err != nil || got != "released" {
		t.Fatalf("a call forwarded before Shutdown: %q, %v", got, err)
	}
	must(t, recv(t, shut))
	// The proxy closed its upstream session after the endpoint closed.
	rpctest.WaitFor(t, "the backend to lose the proxy's session", func() bool { return b.ep.CountSessions() == 0 })
}

func TestCloseLeavesClient(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	client := newClient(t, rpc.Config{})
	_, front, addr := startProxy(t, proxy.Config{Addr: b.addr, Client: client}, rpc.Config{})
	add(t, dial(t, addr, rpc.Config{}))
	if n := client.CountSessions(); n != 1 {
		t.Fatalf("client has %d sessions, want 1", n)
	}
	front.Close()
	rpctest.WaitFor(t, "the proxy's upstream session to close", func() bool { return client.CountSessions() == 0 })
	s, err := client.Dial(rpctest.Context(t), b.addr)
	if err != nil {
		t.Fatalf("the client does not work after the proxy closed: %v", err)
	}
	add(t, s)
}

func TestClosedProxy(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	p, err := proxy.New(proxy.Config{Addr: b.addr})
	must(t, err)
	front, err := rpc.NewEndpoint(rpc.Config{ListenAddr: rpctest.Loopback(t)})
	must(t, err)
	// Used without registering the plugin: the application sets the
	// fallback and closes the proxy.
	must(t, front.Router().SetUnknownCall(p.ForwardCall))
	fb := &backend{ep: front}
	fb.serve(t)
	s := dial(t, fb.addr, rpc.Config{})
	add(t, s)
	must(t, p.Close())
	must(t, p.Close())
	wantStatus(t, s.Call(rpctest.Context(t), "/math/add", []int{1}, nil), rpc.CodeUnavailable, "proxy: closed")
}

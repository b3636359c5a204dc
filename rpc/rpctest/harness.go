package rpctest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
)

// Timeout bounds every call a test makes, so that a bug fails the test
// instead of hanging it. It is far above what any call needs.
const Timeout = 20 * time.Second

// Context returns a context that ends after Timeout or when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// server is a served endpoint and its listener.
type server struct {
	ep     *rpc.Endpoint
	addr   string
	served chan struct{}
}

// startServer makes an endpoint with cfg, lets setup register routes, and
// serves it on l (or on a new listener at addr). It is closed when the
// test ends.
func startServer(t testing.TB, env Env, cfg rpc.Config, l net.Listener, addr string, setup func(*rpc.Endpoint)) *server {
	t.Helper()
	ep, err := rpc.NewEndpoint(env.config(cfg, true))
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(ep)
	}
	if l == nil {
		if l, err = env.Server.Listen(Context(t), env.Network, addr); err != nil {
			t.Fatal(err)
		}
	}
	s := &server{ep: ep, addr: l.Addr().String(), served: make(chan struct{})}
	go func() {
		defer close(s.served)
		ep.Serve(l)
	}()
	t.Cleanup(s.close)
	return s
}

func (s *server) close() {
	s.ep.Close()
	<-s.served
}

// newClient makes a client endpoint with plugins, closed when the test ends.
func newClient(t testing.TB, env Env, cfg rpc.Config, setup func(*rpc.Endpoint), plugins ...rpc.Plugin) *rpc.Endpoint {
	t.Helper()
	ep, err := rpc.NewEndpoint(env.config(cfg, false), plugins...)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(ep)
	}
	t.Cleanup(func() { ep.Close() })
	return ep
}

// dial dials addr from ep or fails the test.
func dial(t testing.TB, ep *rpc.Endpoint, addr string) *rpc.Session {
	t.Helper()
	s, err := ep.Dial(Context(t), addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return s
}

// Dial makes a client endpoint from cfg with plugins, closed when the test
// ends, and returns its session to addr; any failure fails the test.
func Dial(t testing.TB, cfg rpc.Config, addr string, plugins ...rpc.Plugin) *rpc.Session {
	t.Helper()
	ep, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return dial(t, ep, addr)
}

// pair starts a server with the standard services and a client session.
func pair(t *testing.T, env Env) (*server, *rpc.Endpoint, *rpc.Session) {
	t.Helper()
	leakcheck.Check(t)
	srv := startServer(t, env, rpc.Config{}, nil, env.Addr(t), registerServices)
	cli := newClient(t, env, rpc.Config{}, registerClientServices)
	return srv, cli, dial(t, cli, srv.addr)
}

// WaitFor polls cond until it holds; it fails the test only if cond never
// holds within Timeout. It stands for a condition, never a duration.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// serverSession returns the server's session once it has one.
func serverSession(t testing.TB, ep *rpc.Endpoint) *rpc.Session {
	t.Helper()
	var got *rpc.Session
	WaitFor(t, "the server's session", func() bool {
		ep.RangeSessions(func(s *rpc.Session) bool { got = s; return false })
		return got != nil
	})
	return got
}

// fanListener shares one listener between several servers the way a hot
// restart does with a passed file descriptor: each Sub listener accepts from
// the same socket, and closing a Sub stops only that one.
type fanListener struct {
	l     net.Listener
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newFanListener(t testing.TB, l net.Listener) *fanListener {
	f := &fanListener{l: l, conns: make(chan net.Conn), done: make(chan struct{})}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case f.conns <- c:
			case <-f.done:
				c.Close()
				return
			}
		}
	}()
	t.Cleanup(func() {
		f.once.Do(func() { close(f.done) })
		l.Close()
	})
	return f
}

func (f *fanListener) Sub() net.Listener {
	return &subListener{f: f, closed: make(chan struct{})}
}

type subListener struct {
	f      *fanListener
	closed chan struct{}
	once   sync.Once
}

func (s *subListener) Accept() (net.Conn, error) {
	select {
	case c := <-s.f.conns:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	case <-s.f.done:
		return nil, net.ErrClosed
	}
}

func (s *subListener) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func (s *subListener) Addr() net.Addr { return s.f.l.Addr() }

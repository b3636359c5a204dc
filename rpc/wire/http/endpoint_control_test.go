package http

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestDmicroCancelOverHTTP cancels a call pipelined behind another one
// still running: the canceled handler's context ends with
// context.Canceled, the call before it is answered as usual, and the
// connection stays in step for the calls after.
func TestDmicroCancelOverHTTP(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	started, ended := make(chan struct{}), make(chan error, 1)
	if err := s.ep.HandleCall("/block", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (int, error) {
		close(started)
		<-c.Context().Done()
		ended <- c.Context().Err()
		return 0, c.Context().Err()
	})); err != nil {
		t.Fatal(err)
	}
	cli, err := rpc.NewEndpoint(rpc.Config{Format: Format{}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := rpctest.Context(t)
	sess, err := cli.Dial(ctx, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	var waited string
	first := sess.AsyncCall(ctx, "/pipe/wait", struct{}{}, &waited) // holds the responses after it
	cctx, cancel := context.WithCancel(ctx)
	blocked := sess.AsyncCall(cctx, "/block", struct{}{}, nil)
	<-started
	cancel()
	if err := blocked.Err(); rpc.CodeOf(err) != rpc.CodeCanceled {
		t.Fatalf("canceled call: %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("the handler's context ended with %v, want context.Canceled", err)
	}
	var went string
	if err := sess.Call(ctx, "/pipe/go", struct{}{}, &went); err != nil || went != "went" {
		t.Fatalf("/pipe/go: %q, %v", went, err)
	}
	if err := first.Err(); err != nil || waited != "waited" {
		t.Fatalf("the call before the canceled one: %q, %v", waited, err)
	}
	for i := range 3 {
		var sum int
		if err := sess.Call(ctx, "/math/add", []int{i, 1}, &sum); err != nil || sum != i+1 {
			t.Fatalf("call %d after the cancel: %d, %v", i, sum, err)
		}
	}
}

// sharedListener hands the connections of one listener to the servers of
// a hot restart: closing one of its subs stops only that one.
type sharedListener struct {
	l     net.Listener
	conns chan net.Conn
}

func newSharedListener(t *testing.T) *sharedListener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl := &sharedListener{l: l, conns: make(chan net.Conn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			sl.conns <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return sl
}

func (sl *sharedListener) sub() net.Listener {
	return &subListener{sl: sl, closed: make(chan struct{})}
}

type subListener struct {
	sl     *sharedListener
	closed chan struct{}
	once   sync.Once
}

func (s *subListener) Accept() (net.Conn, error) {
	select {
	case c := <-s.sl.conns:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

func (s *subListener) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func (s *subListener) Addr() net.Addr { return s.sl.l.Addr() }

// TestHotRestartOverHTTP restarts a server under a steady load from one
// client session: the old generation's Shutdown marks its next response
// "Connection: close", the client moves its new calls to a new connection
// (served by the new generation), and the calls in flight on the old one
// finish there, with no call failing and Shutdown returning.
//
// Unlike the conformance suite's GoingAway, the calls in flight are
// released before the load is expected to move: on one HTTP/1.1
// connection a response cannot overtake an earlier one, so calls sent
// behind them can neither finish nor learn of the close before they do.
func TestHotRestartOverHTTP(t *testing.T) {
	leakcheck.Check(t)
	sl := newSharedListener(t)
	type generation struct {
		ep      *rpc.Endpoint
		who     atomic.Int64 // /who calls handled
		started chan struct{}
		release chan struct{}
		served  chan struct{}
	}
	start := func(name string) *generation {
		g := &generation{started: make(chan struct{}, 64), release: make(chan struct{}), served: make(chan struct{})}
		ep, err := rpc.NewEndpoint(rpc.Config{Format: Format{}})
		if err != nil {
			t.Fatal(err)
		}
		g.ep = ep
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(ep.HandleCall("/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
			g.who.Add(1)
			return name, nil
		})))
		must(ep.HandleCall("/slow", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
			g.started <- struct{}{}
			<-g.release
			return name + "-slow", nil
		})))
		go func() {
			defer close(g.served)
			ep.Serve(sl.sub())
		}()
		t.Cleanup(func() {
			ep.Close()
			<-g.served
		})
		return g
	}
	old := start("old")
	cli, err := rpc.NewEndpoint(rpc.Config{Format: Format{}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := rpctest.Context(t)
	sess, err := cli.Dial(ctx, sl.l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	const inflight = 5
	calls := make([]*rpc.Call, inflight)
	replies := make([]string, inflight)
	for i := range calls {
		calls[i] = sess.AsyncCall(ctx, "/slow", struct{}{}, &replies[i])
	}
	for range inflight {
		<-old.started
	}
	var failed, fromNew atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var load sync.WaitGroup
	for range 4 {
		load.Add(1)
		go func() {
			defer load.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var who string
				if err := sess.Call(ctx, "/who", struct{}{}, &who); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				if who == "new" {
					fromNew.Add(1)
				}
			}
		}()
	}

	// Every load goroutine has a call on the old connection, behind the
	// calls in flight.
	rpctest.WaitFor(t, "the load on the old generation", func() bool { return old.who.Load() >= 4 })
	start("new")
	shutdown := make(chan error, 1)
	go func() { shutdown <- old.ep.Shutdown(context.Background()) }()
	close(old.release)
	for i, c := range calls {
		if err := c.Err(); err != nil || replies[i] != "old-slow" {
			t.Errorf("in-flight call %d: %q, %v", i, replies[i], err)
		}
	}
	rpctest.WaitFor(t, "calls to reach the new generation", func() bool { return fromNew.Load() > 10 })
	if err := <-shutdown; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	close(stop)
	load.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d calls failed across the restart; first: %v", n, firstErr.Load())
	}
}

// TestClientShutdownOverHTTP shuts the dialing side down while each side
// has a call in flight to the other: the client's go-away request stops
// the server's new calls, both calls finish, and Shutdown returns.
func TestClientShutdownOverHTTP(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	cli, err := rpc.NewEndpoint(rpc.Config{Format: Format{}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	inClient, releaseClient := make(chan struct{}), make(chan struct{})
	if err := cli.HandleCall("/client/slow", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		close(inClient)
		<-releaseClient
		return "client-slow", nil
	})); err != nil {
		t.Fatal(err)
	}
	ctx := rpctest.Context(t)
	sess, err := cli.Dial(ctx, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	var waited string
	fromClient := sess.AsyncCall(ctx, "/pipe/wait", struct{}{}, &waited)
	var ss *rpc.Session
	rpctest.WaitFor(t, "the server's session", func() bool {
		s.ep.RangeSessions(func(x *rpc.Session) bool { ss = x; return false })
		return ss != nil
	})
	var slow string
	fromServer := ss.AsyncCall(ctx, "/client/slow", struct{}{}, &slow)
	<-inClient

	shutdown := make(chan error, 1)
	go func() { shutdown <- cli.Shutdown(ctx) }()
	rpctest.WaitFor(t, "the server to take the client's go-away", func() bool { return !ss.Health() })
	if err := ss.Call(ctx, "/client/hello", "x", nil); err == nil {
		t.Error("the server called the client after its go-away")
	}
	close(releaseClient)
	if err := fromServer.Err(); err != nil || slow != "client-slow" {
		t.Fatalf("the server's call to the client: %q, %v", slow, err)
	}
	s.release <- struct{}{} // what /pipe/go does: the client can send no new call
	if err := fromClient.Err(); err != nil || waited != "waited" {
		t.Fatalf("the client's call: %q, %v", waited, err)
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

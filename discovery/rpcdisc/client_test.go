package rpcdisc_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/rpcdisc"
	"github.com/dmicro-go/dmicro/discovery/selector"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	rpchttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

// threeServers starts servers a, b and c with weights 1, 2 and 3.
func threeServers(t *testing.T, reg discovery.Registry, format wire.Format) []*server {
	return []*server{
		startServer(t, reg, "a", serverOpts{weight: 1, format: format}),
		startServer(t, reg, "b", serverOpts{weight: 2, format: format}),
		startServer(t, reg, "c", serverOpts{weight: 3, format: format}),
	}
}

func within(t *testing.T, got map[string]int, want map[string]int, slack int) {
	t.Helper()
	for id, w := range want {
		if g := got[id]; g < w-slack || g > w+slack {
			t.Errorf("server %s got %d calls, want %d±%d (all: %v)", id, g, w, slack, got)
		}
	}
}

func TestStrategies(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	threeServers(t, reg, nil)
	ep := newClientEndpoint(t, rpc.Config{})

	t.Run("RoundRobin", func(t *testing.T) {
		c := newClient(t, ep, reg, rpcdisc.ClientConfig{})
		waitNodes(t, c, 3)
		within(t, countCalls(t, c, 300), map[string]int{"a": 100, "b": 100, "c": 100}, 1)
	})
	t.Run("SmoothWeighted", func(t *testing.T) {
		c := newClient(t, ep, reg, rpcdisc.ClientConfig{Selector: selector.Config{Strategy: selector.SmoothWeighted{}}})
		waitNodes(t, c, 3)
		within(t, countCalls(t, c, 600), map[string]int{"a": 100, "b": 200, "c": 300}, 1)
	})
	t.Run("Random", func(t *testing.T) {
		c := newClient(t, ep, reg, rpcdisc.ClientConfig{Selector: selector.Config{
			Strategy: selector.Random{}, Rand: rand.NewPCG(1, 2)}})
		waitNodes(t, c, 3)
		// By weight, 1:2:3; a generous bound (a seeded source keeps it stable).
		within(t, countCalls(t, c, 1200), map[string]int{"a": 200, "b": 400, "c": 600}, 100)
	})
	t.Run("P2C", func(t *testing.T) {
		c := newClient(t, ep, reg, rpcdisc.ClientConfig{Selector: selector.Config{
			Strategy: selector.P2C{}, Rand: rand.NewPCG(3, 4)}})
		waitNodes(t, c, 3)
		// One call at a time: nothing in flight, so P2C weighs the two
		// drawn nodes by weight alone; every node gets a real share.
		got := countCalls(t, c, 1200)
		for _, id := range []string{"a", "b", "c"} {
			if got[id] < 100 {
				t.Errorf("server %s got %d of 1200 calls: %v", id, got[id], got)
			}
		}
	})
	t.Run("ConsistentHash", func(t *testing.T) {
		c := newClient(t, ep, reg, rpcdisc.ClientConfig{
			Selector: selector.Config{Strategy: selector.ConsistentHash{}},
			Key:      func(_ context.Context, _ string, arg any) string { return fmt.Sprint(arg) },
		})
		waitNodes(t, c, 3)
		ctx := rpctest.Context(t)
		owner := map[int]string{}
		used := map[string]bool{}
		for round := range 3 {
			for k := range 60 {
				var id string
				if err := c.Call(ctx, "/who", k, &id); err != nil {
					t.Fatal(err)
				}
				if round == 0 {
					owner[k] = id
					used[id] = true
				} else if owner[k] != id {
					t.Fatalf("key %d went to %s, then to %s", k, owner[k], id)
				}
			}
		}
		if len(used) < 2 {
			t.Errorf("60 keys all went to %v", used)
		}
		// WithKey beats the Key func.
		first := ""
		for range 20 {
			var id string
			if err := c.Call(rpcdisc.WithKey(ctx, "fixed"), "/who", rand.Int(), &id); err != nil {
				t.Fatal(err)
			}
			if first == "" {
				first = id
			} else if id != first {
				t.Fatalf("key fixed went to %s, then to %s", first, id)
			}
		}
	})
}

// An application error reaches the caller as it is: it is not retried and
// does not keep the node out.
func TestApplicationErrorNotRetried(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	servers := threeServers(t, reg, nil)
	c := newClient(t, newClientEndpoint(t, rpc.Config{}), reg, rpcdisc.ClientConfig{})
	waitNodes(t, c, 3)
	ctx := rpctest.Context(t)
	for range 30 {
		var s string
		err := c.Call(ctx, "/fail", 1, &s)
		if rpc.CodeOf(err) != rpc.CodeUser || rpcdisc.NotSent(err) {
			t.Fatalf("got %v, want the handler's CodeUser", err)
		}
	}
	total := int64(0)
	for _, s := range servers {
		total += s.hits.Load()
	}
	if total != 30 {
		t.Fatalf("30 failing calls ran %d handlers: retried", total)
	}
	// Still round robin over all three: none was kept out.
	within(t, countCalls(t, c, 30), map[string]int{"a": 10, "b": 10, "c": 10}, 1)
}

// load calls /who from several goroutines until stop, counting outcomes.
type load struct {
	ok, sentFailed, unsentFailed atomic.Int64
	mu                           sync.Mutex
	firstUnsent                  error
	stop                         chan struct{}
	wg                           sync.WaitGroup
}

func startLoad(t *testing.T, c *rpcdisc.Client, workers int) *load {
	l := &load{stop: make(chan struct{})}
	ctx := rpctest.Context(t)
	for range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				_, err := who(ctx, c)
				switch {
				case err == nil:
					l.ok.Add(1)
				case rpcdisc.NotSent(err) || !mayHaveBeenSent(err):
					// A call that never reached a server and was not
					// retried, or one that failed for another reason.
					l.unsentFailed.Add(1)
					l.mu.Lock()
					if l.firstUnsent == nil {
						l.firstUnsent = err
					}
					l.mu.Unlock()
				default:
					l.sentFailed.Add(1) // written (maybe in part), then its connection died
				}
			}
		}()
	}
	t.Cleanup(l.end)
	return l
}

// mayHaveBeenSent reports whether err is the failure of a call that was
// queued for writing when its connection died: written in full or in part,
// it may have reached the handler.
func mayHaveBeenSent(err error) bool {
	c := rpc.CodeOf(err)
	return c == rpc.CodeConnClosed || c == rpc.CodeWriteFailed
}

func (l *load) end() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// more waits until n more calls have succeeded.
func (l *load) more(t *testing.T, n int64) {
	t.Helper()
	target := l.ok.Load() + n
	rpctest.WaitFor(t, "calls to succeed", func() bool { return l.ok.Load() >= target })
}

func (l *load) check(t *testing.T) {
	t.Helper()
	l.end()
	t.Logf("calls: %d ok, %d failed after they were sent, %d failed unsent", l.ok.Load(), l.sentFailed.Load(), l.unsentFailed.Load())
	if n := l.unsentFailed.Load(); n > 0 {
		t.Errorf("%d calls failed that could have been retried; the first: %v", n, l.firstUnsent)
	}
}

func TestServerCrash(t *testing.T) {
	for _, redial := range []bool{false, true} {
		t.Run(fmt.Sprintf("redial=%v", redial), func(t *testing.T) {
			leakcheck.Check(t)
			reg := discovery.NewMemory(discovery.MemoryConfig{})
			defer reg.Close()
			a := startServer(t, reg, "a", serverOpts{reg: crashing{reg}})
			startServer(t, reg, "b", serverOpts{})
			startServer(t, reg, "c", serverOpts{})
			dials := new(dialCounter)
			cfg := rpc.Config{}
			if redial {
				cfg.Redial = rpc.RedialPolicy{Attempts: 1}
			}
			ep := newClientEndpoint(t, cfg, dials)
			// A back-off far longer than the test: once out, a is never
			// tried again.
			c := newClient(t, ep, reg, rpcdisc.ClientConfig{Selector: selector.Config{MinBackoff: time.Hour, MaxBackoff: time.Hour}})
			waitNodes(t, c, 3)

			l := startLoad(t, c, 8)
			rpctest.WaitFor(t, "calls to reach a", func() bool { return a.hits.Load() > 20 })
			a.kill() // no deregistration: a stays in the registry
			l.more(t, 300)
			l.check(t)
			if !registered(reg, "a") {
				t.Fatal("the crashed node was deregistered")
			}

			// a stays kept out: more calls neither reach nor dial it.
			before := dials.count(a.addr)
			got := countCalls(t, c, 100)
			if got["a"] != 0 || got["b"]+got["c"] != 100 {
				t.Fatalf("after the crash: %v", got)
			}
			if after := dials.count(a.addr); after != before {
				t.Fatalf("the crashed node was dialed %d more times within its back-off", after-before)
			}
		})
	}
}

func TestServerShutdown(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	servers := threeServers(t, reg, nil)
	c := newClient(t, newClientEndpoint(t, rpc.Config{}), reg, rpcdisc.ClientConfig{})
	waitNodes(t, c, 3)

	l := startLoad(t, c, 8)
	rpctest.WaitFor(t, "calls to reach a", func() bool { return servers[0].hits.Load() > 20 })
	servers[0].shutdown(t) // deregisters first, then goes away
	waitNodes(t, c, 2)
	l.more(t, 300)
	l.check(t)
	if n := l.sentFailed.Load(); n > 0 {
		t.Errorf("%d calls failed across a graceful shutdown", n)
	}
	got := countCalls(t, c, 100)
	if got["a"] != 0 {
		t.Fatalf("a got %d calls after it deregistered", got["a"])
	}
}

func TestServerAddedLater(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	// The client starts before any server: its calls say so.
	c := newClient(t, newClientEndpoint(t, rpc.Config{}), reg, rpcdisc.ClientConfig{})
	_, err := who(rpctest.Context(t), c)
	if rpc.CodeOf(err) != rpc.CodeUnavailable || !errors.Is(err, selector.ErrNoNodes) {
		t.Fatalf("with no server: %v, want CodeUnavailable wrapping selector.ErrNoNodes", err)
	}
	startServer(t, reg, "a", serverOpts{})
	startServer(t, reg, "b", serverOpts{})
	waitNodes(t, c, 2)
	l := startLoad(t, c, 4)
	d := startServer(t, reg, "d", serverOpts{})
	rpctest.WaitFor(t, "calls to reach the new server", func() bool { return d.hits.Load() > 10 })
	l.check(t)
}

func TestHTTPFormat(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	threeServers(t, reg, rpchttp.Format{})
	c := newClient(t, newClientEndpoint(t, rpc.Config{Format: rpchttp.Format{}}), reg, rpcdisc.ClientConfig{})
	waitNodes(t, c, 3)
	within(t, countCalls(t, c, 90), map[string]int{"a": 30, "b": 30, "c": 30}, 1)
}

func TestClose(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	startServer(t, reg, "a", serverOpts{})
	ep := newClientEndpoint(t, rpc.Config{})
	c, err := rpcdisc.NewClient(ep, reg, service, rpcdisc.ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := rpctest.Context(t)
	if _, err := who(ctx, c); err != nil {
		t.Fatal(err)
	}
	if ep.CountSessions() != 1 {
		t.Fatalf("%d sessions, want 1", ep.CountSessions())
	}
	if err := c.Push(ctx, "/who", 1); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	rpctest.WaitFor(t, "the client's session to close", func() bool { return ep.CountSessions() == 0 })
	if _, err := who(ctx, c); !errors.Is(err, rpcdisc.ErrClosed) || rpcdisc.NotSent(err) == false {
		t.Fatalf("after Close: %v, want an unsent error wrapping ErrClosed", err)
	}
}

func TestNewClientErrors(t *testing.T) {
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	if _, err := rpcdisc.NewClient(ep, reg, "", rpcdisc.ClientConfig{}); !errors.Is(err, discovery.ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := rpcdisc.NewClient(nil, reg, service, rpcdisc.ClientConfig{}); err == nil {
		t.Error("nil endpoint: no error")
	}
	if _, err := rpcdisc.NewClient(ep, nil, service, rpcdisc.ClientConfig{}); err == nil {
		t.Error("nil registry: no error")
	}
}

func TestNotSent(t *testing.T) {
	dial := rpc.NewStatus(rpc.CodeDialFailed, "refused")
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{dial, true},
		{rpc.NewStatus(rpc.CodeUnavailable, "reconnecting"), true},
		// Only rpc knows whether a CodeConnClosed call was sent: it marks
		// one that was not with rpc.ErrNotSent (checked below for real).
		{rpc.WrapStatus(rpc.CodeConnClosed, "session closed", dial), false},
		{rpc.NewStatus(rpc.CodeConnClosed, "connection closed"), false},
		{rpc.NewStatus(rpc.CodeWriteFailed, "broken pipe"), false},
		{rpc.NewStatus(rpc.CodeUser, "no"), false},
		{context.Canceled, false},
	} {
		if got := rpcdisc.NotSent(tc.err); got != tc.want {
			t.Errorf("NotSent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if rpcdisc.ConnFailed(rpc.NewStatus(rpc.CodeUser, "no")) || !rpcdisc.ConnFailed(dial) {
		t.Error("ConnFailed: an application error counted, or a dial failure did not")
	}

	// A real call on a session closed before it: never sent.
	leakcheck.Check(t)
	srv, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); srv.Serve(l) }()
	defer func() { srv.Close(); <-served }()
	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(rpctest.Context(t), l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
	err = sess.Call(rpctest.Context(t), "/x", 1, nil)
	if rpc.CodeOf(err) != rpc.CodeConnClosed || !rpcdisc.NotSent(err) {
		t.Errorf("call on a closed session: %v; NotSent = %v, want CodeConnClosed and true", err, rpcdisc.NotSent(err))
	}
}

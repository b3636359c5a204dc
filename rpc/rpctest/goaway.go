package rpctest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
)

// generation is a server of one generation in a simulated hot restart: it
// answers /who with its name and holds /slow calls until released.
type generation struct {
	name    string
	started chan struct{}
	release chan struct{}
}

func newGeneration(name string) *generation {
	return &generation{name: name, started: make(chan struct{}, 64), release: make(chan struct{})}
}

func (g *generation) setup(ep *rpc.Endpoint) {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(ep.Router().HandleCall("/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return g.name, nil })))
	must(ep.Router().HandleCall("/slow", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		g.started <- struct{}{}
		<-g.release
		return g.name + "-slow", nil
	})))
}

// movedPlugin signals each redial of a client endpoint: for a session
// that read its server's go-away, the move to a new connection.
type movedPlugin chan struct{}

func (movedPlugin) Name() string { return "rpctest-moved" }

func (p movedPlugin) AfterDial(_ *rpc.Session, isRedial bool) error {
	if isRedial {
		select {
		case p <- struct{}{}:
		default:
		}
	}
	return nil
}

// testGoingAway restarts a server the way a hot restart does: the new
// generation serves the same listening socket, the old one shuts down. Calls
// in flight on the old one finish there, new calls move to the new one, and
// no call fails.
func testGoingAway(t *testing.T, env Env) {
	leakcheck.Check(t)
	l, err := env.Server.Listen(Context(t), env.Network, env.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	fan := newFanListener(t, l)
	oldGen, newGen := newGeneration("old"), newGeneration("new")
	old := startServer(t, env, rpc.Config{}, fan.Sub(), "", oldGen.setup)
	moved := make(movedPlugin, 1)
	cli := newClient(t, env, rpc.Config{}, nil, moved)
	sess := dial(t, cli, old.addr)

	// Calls in flight on the old generation.
	const inflight = 5
	calls := make([]*rpc.Call, inflight)
	replies := make([]string, inflight)
	for i := range calls {
		calls[i] = sess.AsyncCall(Context(t), "/slow", struct{}{}, &replies[i])
	}
	for range inflight {
		<-oldGen.started
	}

	// Steady load throughout the restart, from callers that start before
	// it and from one that starts once the session moved. (A format whose
	// replies keep the order of the calls, HTTP/1.1, holds the earlier
	// callers' calls on the old connection behind the held ones: only
	// calls made after the move can reach the new generation before the
	// held calls end.) The load and the held calls end when the test does,
	// also when it fails early.
	var failed, fromNew atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var load sync.WaitGroup
	var stopOnce, releaseOnce sync.Once
	stopLoad := func() { stopOnce.Do(func() { close(stop) }); load.Wait() }
	releaseOld := func() { releaseOnce.Do(func() { close(oldGen.release) }) }
	t.Cleanup(func() { releaseOld(); stopLoad() })
	caller := func() {
		defer load.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var who string
			if err := sess.Call(Context(t), "/who", struct{}{}, &who); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
				continue
			}
			if who == "new" {
				fromNew.Add(1)
			}
		}
	}
	for range 4 {
		load.Add(1)
		go caller()
	}

	startServer(t, env, rpc.Config{}, fan.Sub(), "", newGen.setup)
	shutdown := make(chan error, 1)
	go func() { shutdown <- old.ep.Shutdown(context.Background()) }()

	select {
	case <-moved:
	case <-Context(t).Done():
		t.Fatal("the session never moved to a new connection")
	}
	load.Add(1)
	go caller()
	WaitFor(t, "calls to reach the new generation", func() bool { return fromNew.Load() > 10 })
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned (%v) while calls were in flight", err)
	default:
	}
	releaseOld()
	for i, c := range calls {
		if err := c.Err(); err != nil || replies[i] != "old-slow" {
			t.Errorf("in-flight call %d: %q, %v", i, replies[i], err)
		}
	}
	if err := <-shutdown; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	stopLoad()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d calls failed across the restart; first: %v", n, firstErr.Load())
	}
}

// testClientShutdownDrains shuts the calling side down while its call is in
// flight: the call finishes, new calls are refused, Shutdown then returns.
func testClientShutdownDrains(t *testing.T, env Env) {
	leakcheck.Check(t)
	gen := newGeneration("srv")
	srv := startServer(t, env, rpc.Config{}, nil, env.Addr(t), gen.setup)
	cli := newClient(t, env, rpc.Config{}, nil)
	sess := dial(t, cli, srv.addr)
	var reply string
	call := sess.AsyncCall(Context(t), "/slow", struct{}{}, &reply)
	<-gen.started
	shutdown := make(chan error, 1)
	go func() { shutdown <- cli.Shutdown(Context(t)) }()
	WaitFor(t, "the session to stop taking calls", func() bool { return !sess.Health() })
	if err := sess.Call(Context(t), "/who", struct{}{}, nil); rpc.CodeOf(err) != rpc.CodeUnavailable {
		t.Errorf("call during shutdown: %v, want CodeUnavailable", err)
	}
	close(gen.release)
	if err := call.Err(); err != nil || reply != "srv-slow" {
		t.Fatalf("in-flight call: %q, %v", reply, err)
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

package rpctest

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
)

// events records redial callbacks.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) has(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range e.list {
		if x == s {
			return true
		}
	}
	return false
}

func (e *events) policy(attempts int) rpc.RedialPolicy {
	return rpc.RedialPolicy{
		Attempts: attempts,
		MinDelay: 5 * time.Millisecond,
		MaxDelay: 50 * time.Millisecond,
		OnDisconnect: func(*rpc.Session, error) {
			e.add("disconnected")
		},
		OnReconnecting: func(*rpc.Session, int) { e.add("reconnecting") },
		OnReconnect:    func(*rpc.Session) { e.add("reconnected") },
		OnGiveUp:       func(*rpc.Session, error) { e.add("gave up") },
	}
}

func testRedialAfterRestart(t *testing.T, env Env) {
	leakcheck.Check(t)
	var ev events
	first := startServer(t, env, rpc.Config{}, nil, env.Addr(t), registerServices)
	cli := newClient(t, env, rpc.Config{Redial: ev.policy(-1)}, nil)
	sess := dial(t, cli, first.addr)
	var sum int
	if err := sess.Call(Context(t), "/math/add", []int{1}, &sum); err != nil {
		t.Fatal(err)
	}

	first.close()
	WaitFor(t, "the session to notice the loss", func() bool { return ev.has("disconnected") })
	// While the server is down, calls fail fast and say the session is
	// unavailable (or, racing the redial, that the dial failed).
	err := sess.Call(Context(t), "/math/add", []int{1}, &sum)
	if code := rpc.CodeOf(err); code != rpc.CodeUnavailable {
		t.Fatalf("call while down: %v, want CodeUnavailable", err)
	}

	// The same address comes back: the same Session works again. (Over
	// UDP the connections a listener accepted share its socket, which is
	// freed once they have closed: bind again until it is.)
	var l net.Listener
	WaitFor(t, "the address to be free", func() bool {
		var err error
		l, err = env.Server.Listen(Context(t), env.Network, first.addr)
		return err == nil
	})
	startServer(t, env, rpc.Config{}, l, "", registerServices)
	WaitFor(t, "the redial", func() bool { return ev.has("reconnected") })
	if err := sess.Call(Context(t), "/math/add", []int{2, 3}, &sum); err != nil || sum != 5 {
		t.Fatalf("call after the redial: %d, %v", sum, err)
	}
	if !ev.has("reconnecting") {
		t.Error("OnReconnecting was not called")
	}
	if !sess.Health() {
		t.Error("the session is not healthy after the redial")
	}
}

func testRedialGivesUp(t *testing.T, env Env) {
	leakcheck.Check(t)
	var ev events
	srv := startServer(t, env, rpc.Config{}, nil, env.Addr(t), registerServices)
	cli := newClient(t, env, rpc.Config{Redial: ev.policy(2)}, nil)
	sess := dial(t, cli, srv.addr)
	srv.close()
	select {
	case <-sess.Done():
	case <-Context(t).Done():
		t.Fatal("the session never gave up")
	}
	if !ev.has("gave up") {
		t.Error("OnGiveUp was not called")
	}
	err := sess.Call(Context(t), "/math/add", []int{1}, nil)
	if rpc.CodeOf(err) != rpc.CodeConnClosed {
		t.Fatalf("call on a closed session: %v", err)
	}
}

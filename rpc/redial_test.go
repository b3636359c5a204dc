package rpc_test

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
)

// closingPeer accepts connections and closes each at once, counting them.
func closingPeer(t *testing.T) (addr string, accepts *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepts = new(atomic.Int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return l.Addr().String(), accepts
}

// maxDialsWithin returns the most dials a session following p can make
// within d: the first dial, an immediate redial, then waits of the
// policy's back-off at their shortest (each shortened by the jitter).
func maxDialsWithin(p rpc.RedialPolicy, d time.Duration) int {
	n, elapsed, wait := 2, time.Duration(0), float64(p.MinDelay)
	for {
		step := time.Duration(wait * (1 - p.Jitter))
		if elapsed+step > d {
			return n
		}
		elapsed += step
		n++
		wait = min(wait*p.Multiplier, float64(p.MaxDelay))
	}
}

// TestRedialAgainstAClosingPeer: a peer that accepts and closes at once
// (or refuses the session in AfterAccept) is redialed on the policy's
// schedule, not in a loop, and never reported reconnected. Before the fix,
// 21 298 dials in 2 s with MinDelay 100 ms.
func TestRedialAgainstAClosingPeer(t *testing.T) {
	const window = 2 * time.Second
	policy := rpc.RedialPolicy{Attempts: -1, MinDelay: 100 * time.Millisecond, MaxDelay: time.Second, Multiplier: 1.6, Jitter: 0.2}
	limit := maxDialsWithin(policy, window)

	run := func(t *testing.T, addr string, accepts *atomic.Int64) {
		leakcheck.Check(t)
		var reconnects, attempts atomic.Int64
		p := policy
		p.OnReconnect = func(*rpc.Session) { reconnects.Add(1) }
		p.OnReconnecting = func(*rpc.Session, int) { attempts.Add(1) }
		cli, err := rpc.NewEndpoint(rpc.Config{Redial: p})
		if err != nil {
			t.Fatal(err)
		}
		defer cli.Close()
		start := time.Now()
		if _, err := cli.Dial(testCtx(t), addr); err != nil {
			t.Fatal(err)
		}
		// Measure the dials in the window: the window is the quantity
		// measured here, not a wait for a condition.
		time.Sleep(window - time.Since(start))
		n := accepts.Load()
		t.Logf("%d dials in %v (the policy allows at most %d), %d redial attempts, %d reconnects", n, window, limit, attempts.Load(), reconnects.Load())
		if n > int64(limit) {
			t.Fatalf("%d dials in %v; the policy's schedule allows at most %d", n, window, limit)
		}
		if n < 2 {
			t.Fatalf("%d dials in %v: the session did not redial", n, window)
		}
		if r := reconnects.Load(); r != 0 {
			t.Fatalf("OnReconnect ran %d times for connections the peer closed at once", r)
		}
	}

	t.Run("accept and close", func(t *testing.T) {
		addr, accepts := closingPeer(t)
		run(t, addr, accepts)
	})
	t.Run("refused by AfterAccept", func(t *testing.T) {
		var accepts atomic.Int64
		srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, refuseAll{&accepts})
		must(t, err)
		l, err := srv.Listen(testCtx(t))
		must(t, err)
		served := make(chan struct{})
		go func() {
			defer close(served)
			srv.Serve(l)
		}()
		defer func() {
			srv.Close()
			<-served
		}()
		run(t, l.Addr().String(), &accepts)
	})
}

// refuseAll refuses every session in AfterAccept, the documented way to
// reject a client, and counts them.
type refuseAll struct{ n *atomic.Int64 }

func (refuseAll) Name() string { return "refuse-all" }

func (r refuseAll) AfterAccept(*rpc.Session) error {
	r.n.Add(1)
	return rpc.NewStatus(rpc.CodeUnauthorized, "go away")
}

// TestRedialReportsReconnectOnceEstablished: after a real outage the
// session reconnects once the new connection is established, and a call
// goes through.
func TestRedialReportsReconnectOnceEstablished(t *testing.T) {
	var reconnects atomic.Int64
	pol := rpc.RedialPolicy{Attempts: -1, MinDelay: 10 * time.Millisecond, StableAfter: 50 * time.Millisecond,
		OnReconnect: func(*rpc.Session) { reconnects.Add(1) }}
	p := newPair(t, pairOptions{cli: rpc.Config{Redial: pol}, setup: func(srv *rpc.Endpoint) {
		must(t, srv.Router().HandleCall("/one", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) { return 1, nil })))
	}})
	p.serverSession(t).Close() // the server drops the connection; the client redials
	waitFor(t, "the session to reconnect", func() bool { return reconnects.Load() == 1 })
	var n int
	if err := p.sess.Call(testCtx(t), "/one", struct{}{}, &n); err != nil || n != 1 {
		t.Fatalf("call after the reconnect: %d, %v", n, err)
	}
	if r := reconnects.Load(); r != 1 {
		t.Fatalf("%d reconnects, want 1", r)
	}
}

// TestJitterOff: a negative Jitter means none.
func TestJitterOff(t *testing.T) {
	if err := (rpc.Config{Redial: rpc.RedialPolicy{Jitter: -1}}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (rpc.Config{Redial: rpc.RedialPolicy{Jitter: 1.5}}).Validate(); err == nil {
		t.Fatal("Jitter 1.5 passed Validate")
	}
}

// TestErrorsSayEachThingOnce: a call on a session whose connection was
// closed by the idle timeout fails with a status that says each thing
// once; before, the text was "rpc: connection closed: session closed: rpc:
// deadline exceeded: connection closed: rpc: deadline exceeded: idle
// timeout: ...".
func TestErrorsSayEachThingOnce(t *testing.T) {
	p := newPair(t, pairOptions{cli: rpc.Config{IdleTimeout: 50 * time.Millisecond}})
	select {
	case <-p.sess.Done():
	case <-testCtx(t).Done():
		t.Fatal("the idle session was not closed")
	}
	err := p.sess.Call(testCtx(t), "/x", nil, nil)
	var st *rpc.Status
	if !errors.As(err, &st) {
		t.Fatalf("got %v, want a *Status", err)
	}
	text := err.Error()
	t.Logf("the error: %s", text)
	for _, phrase := range []string{"rpc:", "connection closed", "deadline exceeded", "idle timeout", "session closed"} {
		if n := strings.Count(text, phrase); n > 1 {
			t.Errorf("%q appears %d times in %q", phrase, n, text)
		}
	}
	if !strings.Contains(text, "idle timeout") {
		t.Errorf("%q does not say why: the idle timeout", text)
	}
	// What the peer would be sent, the message, has no "rpc:" of its own.
	if strings.Contains(st.Message(), "rpc:") {
		t.Errorf("the message %q repeats the rpc: prefix", st.Message())
	}
}

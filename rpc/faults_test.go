package rpc_test

// Faults: peers that vanish, callers that give up, floods past the handler
// caps, and sessions closed under calls. Everything runs over real loopback
// TCP; newPair (or leakcheck.Check) checks for leaked goroutines and fds.
// No test measures time: each waits for a condition, and the contexts that
// bound calls are only guards against hangs.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// ftDeadlineInfo is what /ft/deadline saw of its context.
type ftDeadlineInfo struct {
	start    time.Time
	deadline time.Time
	ok       bool
}

// ftServer holds the fault tests' handlers and what they report.
type ftServer struct {
	started  chan string         // /ft/block and /ft/wait send their argument on entry
	ctxErr   chan error          // /ft/wait sends its context's error once it ended
	deadline chan ftDeadlineInfo // /ft/deadline reports its context's deadline
	release  chan struct{}       // /ft/block waits for it
	once     sync.Once
	blocked  atomic.Int64 // /ft/block entries
	marks    atomic.Int64 // /ft/mark entries
}

func newFtServer() *ftServer {
	return &ftServer{
		started:  make(chan string, 64),
		ctxErr:   make(chan error, 64),
		deadline: make(chan ftDeadlineInfo, 64),
		release:  make(chan struct{}),
	}
}

// open releases every /ft/block handler, now and later.
func (f *ftServer) open() { f.once.Do(func() { close(f.release) }) }

func (f *ftServer) routes(t testing.TB) func(srv *rpc.Endpoint) {
	return func(srv *rpc.Endpoint) {
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		// /ft/block blocks on a channel only, not on its context, like a
		// handler stuck in a slow dependency.
		must(srv.Router().HandleCall("/ft/block", rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) {
			f.blocked.Add(1)
			f.started <- *arg
			<-f.release
			return *arg, nil
		})))
		must(srv.Router().HandleCall("/ft/wait", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *string) (string, error) {
			f.started <- *arg
			<-ctx.Context().Done()
			err := ctx.Context().Err()
			f.ctxErr <- err
			return "", err
		})))
		must(srv.Router().HandleCall("/ft/deadline", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *string) (string, error) {
			start := time.Now()
			dl, ok := ctx.Context().Deadline()
			f.deadline <- ftDeadlineInfo{start: start, deadline: dl, ok: ok}
			return "ok", nil
		})))
		must(srv.Router().HandleCall("/ft/mark", rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) {
			f.marks.Add(1)
			return *arg, nil
		})))
	}
}

// ftPair starts a pair serving the fault handlers. The blocked handlers are
// released when the test ends, before the endpoints close and the leak check.
func ftPair(t testing.TB, srv, cli rpc.Config, srvPlug ...rpc.Plugin) (*pair, *ftServer) {
	t.Helper()
	f := newFtServer()
	p := newPair(t, pairOptions{srv: srv, cli: cli, srvPlug: srvPlug, setup: f.routes(t)})
	t.Cleanup(f.open)
	return p, f
}

// ftRecv receives from ch, or fails the test if ctx ends first.
func ftRecv[T any](t testing.TB, ctx context.Context, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// ftCallErr waits for an async call, failing the test if it hangs.
func ftCallErr(t testing.TB, ctx context.Context, c *rpc.Call) error {
	t.Helper()
	select {
	case <-c.Done():
		return c.Err()
	case <-ctx.Done():
		t.Fatalf("call %s hung", c.Method)
		return nil
	}
}

// ftDone reports whether an async call has finished.
func ftDone(c *rpc.Call) bool {
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// 9. The peer vanishes while a call is in flight.

func TestFaultServerClosedMidCall(t *testing.T) {
	p, f := ftPair(t, rpc.Config{}, rpc.Config{})
	ctx := testCtx(t)
	var out string
	call := p.sess.AsyncCall(ctx, "/ft/block", "in-flight", &out)
	ftRecv(t, ctx, "the handler to start", f.started)

	p.srv.Close()
	err := ftCallErr(t, ctx, call)
	biWantCode(t, "call in flight when the server closed", err, rpc.CodeConnClosed)
	if ctx.Err() != nil {
		t.Fatalf("the call returned only when its context ended: %v", err)
	}
	// The session is gone for good (no redial): further calls fail fast.
	waitFor(t, "the client session to close", func() bool { return ftDoneChan(p.sess.Done()) })
	err = p.sess.Call(ctx, "/ft/mark", "x", &out)
	biWantCode(t, "call after the server closed", err, rpc.CodeConnClosed)
}

func ftDoneChan(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestFaultRawServerHangsUp: a plain TCP server reads the call, then closes
// the connection without answering.
func TestFaultRawServerHangsUp(t *testing.T) {
	leakcheck.Check(t)
	ctx := testCtx(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	got := make(chan *wire.Message, 1)
	served := make(chan struct{})
	go func() {
		defer close(served)
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(testTimeout)) // a guard against hangs only
		m := new(wire.Message)
		if err := (raw.Format{}).NewFramer(bufio.NewReader(nc), wire.Options{}).ReadMessage(m); err != nil {
			t.Errorf("raw server: read the call: %v", err)
			return
		}
		got <- m
		// Hang up without a reply.
	}()

	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var out string
	err = sess.Call(ctx, "/ft/anything", "hello", &out)
	biWantCode(t, "call to a server that hung up", err, rpc.CodeConnClosed)
	if ctx.Err() != nil {
		t.Fatalf("the call returned only when its context ended: %v", err)
	}
	m := ftRecv(t, ctx, "the raw server to read the call", got)
	if m.Type != wire.TypeCall || m.Method != "/ft/anything" || string(m.Body) != `"hello"` {
		t.Fatalf("the raw server read %v %q body %q", m.Type, m.Method, m.Body)
	}
	ftRecv(t, ctx, "the raw server to finish", served)
}

// 10. The caller's context ends.

func TestFaultCallerDeadline(t *testing.T) {
	p, f := ftPair(t, rpc.Config{}, rpc.Config{})
	cctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	var out string
	err := p.sess.Call(cctx, "/ft/wait", "deadline", &out)
	biWantCode(t, "call past its deadline", err, rpc.CodeDeadlineExceeded)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("errors.Is(%v, context.DeadlineExceeded) is false", err)
	}
	ctx := testCtx(t)
	ftRecv(t, ctx, "the handler to have started", f.started)
	// The handler's context ended. That it ended with DeadlineExceeded is
	// checked by TestFaultCallerDeadlineReason, which makes the race that
	// decides it (see there) go one way.
	herr := ftRecv(t, ctx, "the handler's context to end", f.ctxErr)
	if herr == nil {
		t.Fatal("the handler's context ended without an error")
	}
	// The session is fine.
	if err := p.sess.Call(ctx, "/ft/mark", "next", &out); err != nil || out != "next" {
		t.Fatalf("call after the deadline: %q, %v", out, err)
	}
}

// ftHoldWrite is a client plugin whose BeforeWriteCall hook holds calls
// made with the metadata key "ft-hold" for hold. It stands for any slow step
// between the moment a call's time left is measured (in Session.prepare,
// before the hooks) and the moment the frame goes out: a slow hook, a wait
// for the session to move to a new connection. It makes a scenario, it does
// not wait for a condition: on a machine slower than hold the tests below
// can only pass, never fail, wrongly.
type ftHoldWrite struct{ hold time.Duration }

func (*ftHoldWrite) Name() string { return "ft-hold-write" }

func (h *ftHoldWrite) BeforeWriteCall(m *rpc.Message) error {
	if m.Meta().Get("ft-hold") != "" {
		t := time.NewTimer(h.hold)
		defer t.Stop()
		<-t.C
	}
	return nil
}

// TestFaultCallerDeadlineReason: when the caller's deadline passes, the
// server side must see a deadline, not a cancel: the handler's context ends
// with context.DeadlineExceeded (package doc, "Deadlines"), and a call whose
// deadline passed while it waited for a handler slot is answered
// CodeDeadlineExceeded. The caller sends a cancel frame when its deadline
// passes, and that frame carries no reason; if it reaches the server before
// the server's copy of the deadline (which is later by the time between
// measuring the time left and the frame's arrival), the server takes it for
// a cancel by the caller.
func TestFaultCallerDeadlineReason(t *testing.T) {
	const timeout, hold = 600 * time.Millisecond, 300 * time.Millisecond

	t.Run("handler context", func(t *testing.T) {
		f := newFtServer()
		p := newPair(t, pairOptions{setup: f.routes(t), cliPlug: []rpc.Plugin{&ftHoldWrite{hold: hold}}})
		t.Cleanup(f.open)
		ctx := testCtx(t)
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var out string
		err := p.sess.Call(cctx, "/ft/wait", "held", &out, rpc.WithMeta("ft-hold", "1"))
		biWantCode(t, "call past its deadline", err, rpc.CodeDeadlineExceeded)
		ftRecv(t, ctx, "the handler to have started", f.started)
		herr := ftRecv(t, ctx, "the handler's context to end", f.ctxErr)
		if !errors.Is(herr, context.DeadlineExceeded) {
			t.Fatalf("the caller's deadline passed, but the handler's context ended with %q, want context.DeadlineExceeded", herr)
		}
	})

	t.Run("queued call answer", func(t *testing.T) {
		f := newFtServer()
		p := newPair(t, pairOptions{
			srv:     rpc.Config{MaxHandlers: 1, MaxQueuedHandlers: 1, LogCalls: true},
			setup:   f.routes(t),
			cliPlug: []rpc.Plugin{&ftHoldWrite{hold: hold}},
		})
		t.Cleanup(f.open)
		ctx := testCtx(t)
		var outA string
		a := p.sess.AsyncCall(ctx, "/ft/block", "a", &outA)
		ftRecv(t, ctx, "the first handler to start", f.started)
		bctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var out string
		err := p.sess.Call(bctx, "/ft/mark", "b", &out, rpc.WithMeta("ft-hold", "1"))
		biWantCode(t, "queued call past its deadline", err, rpc.CodeDeadlineExceeded)
		waitFor(t, "the server to answer the queued call", func() bool { return p.srvLog.Count("method=/ft/mark") == 1 })
		f.open()
		if err := ftCallErr(t, ctx, a); err != nil {
			t.Fatal(err)
		}
		if f.marks.Load() != 0 {
			t.Fatal("the queued call's handler ran")
		}
		if n := p.srvLog.Count(`code="deadline exceeded"`); n != 1 {
			t.Fatalf("the server did not answer the queued call whose deadline passed with CodeDeadlineExceeded; log:\n%s", p.srvLog.String())
		}
	})
}

func TestFaultCallerCancel(t *testing.T) {
	p, f := ftPair(t, rpc.Config{}, rpc.Config{})
	ctx := testCtx(t)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out string
	call := p.sess.AsyncCall(cctx, "/ft/wait", "cancel-me", &out)
	ftRecv(t, ctx, "the handler to start", f.started)
	cancel()
	err := ftCallErr(t, ctx, call)
	biWantCode(t, "canceled call", err, rpc.CodeCanceled)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("errors.Is(%v, context.Canceled) is false", err)
	}
	// The cancel frame reached the server: the handler's context ended
	// while the session stays open.
	herr := ftRecv(t, ctx, "the handler's context to end", f.ctxErr)
	if !errors.Is(herr, context.Canceled) {
		t.Fatalf("the handler's context ended with %v, want context.Canceled", herr)
	}
	if ftDoneChan(p.sess.Done()) {
		t.Fatal("the session closed; the handler's context must end by the cancel frame")
	}
	if err := p.sess.Call(ctx, "/ft/mark", "next", &out); err != nil || out != "next" {
		t.Fatalf("call after the cancel: %q, %v", out, err)
	}
}

func TestFaultDeadlineAlreadyPassed(t *testing.T) {
	calls := new(biCallCounter)
	p, f := ftPair(t, rpc.Config{}, rpc.Config{}, calls)
	ctx := testCtx(t)
	past, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	var out string
	err := p.sess.Call(past, "/ft/mark", "late", &out)
	biWantCode(t, "call with a past deadline", err, rpc.CodeDeadlineExceeded)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("errors.Is(%v, context.DeadlineExceeded) is false", err)
	}
	// The server reads headers in order: had the late call been sent, it
	// would have been counted before this one.
	if err := p.sess.Call(ctx, "/ft/mark", "on time", &out); err != nil || out != "on time" {
		t.Fatalf("normal call: %q, %v", out, err)
	}
	if n := calls.n.Load(); n != 1 {
		t.Fatalf("the server read %d calls, want 1: the late call must not be sent", n)
	}
	if n := f.marks.Load(); n != 1 {
		t.Fatalf("the handler ran %d times, want 1", n)
	}
}

func TestFaultDeadlinePropagates(t *testing.T) {
	p, f := ftPair(t, rpc.Config{}, rpc.Config{})
	ctx := testCtx(t)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	callerDL, _ := dctx.Deadline()
	var out string
	if err := p.sess.Call(dctx, "/ft/deadline", "", &out); err != nil {
		t.Fatal(err)
	}
	info := ftRecv(t, ctx, "the handler's report", f.deadline)
	if !info.ok {
		t.Fatal("the handler's context has no deadline; the caller had one")
	}
	if !info.deadline.After(info.start) {
		t.Fatalf("the handler's deadline %v is not after the handler started (%v)", info.deadline, info.start)
	}
	// The deadline travels as time left, so the handler's deadline is the
	// caller's plus the transit time; a generous margin allows a slow machine.
	const margin = 5 * time.Second
	if info.deadline.After(callerDL.Add(margin)) {
		t.Fatalf("the handler's deadline %v is later than the caller's %v plus %v", info.deadline, callerDL, margin)
	}

	// And a call without a deadline gives a handler context without one.
	if err := p.sess.Call(context.Background(), "/ft/deadline", "", &out); err != nil {
		t.Fatal(err)
	}
	if info := ftRecv(t, ctx, "the handler's report", f.deadline); info.ok {
		t.Fatalf("the handler's context has deadline %v; the caller had none", info.deadline)
	}
}

// 11. A flood past the handler caps.

func TestFaultFloodEndpointCap(t *testing.T) {
	ftFlood(t, rpc.Config{MaxHandlers: 2, MaxQueuedHandlers: 2, MaxSessionHandlers: 100, MaxSessionQueuedHandlers: 100}, 2, 4)
}

func TestFaultFloodSessionCap(t *testing.T) {
	ftFlood(t, rpc.Config{MaxSessionHandlers: 1, MaxSessionQueuedHandlers: 1}, 1, 2)
}

// ftFlood starts 10 calls to a blocking handler on a server with the caps
// in cfg: running may run at once and admitted in all (running + queued).
func ftFlood(t *testing.T, cfg rpc.Config, running, admitted int) {
	cfg.LogCalls = true
	p, f := ftPair(t, cfg, rpc.Config{})
	ctx := testCtx(t)
	const n = 10
	calls := make([]*rpc.Call, n)
	outs := make([]string, n)
	for i := range calls {
		calls[i] = p.sess.AsyncCall(ctx, "/ft/block", fmt.Sprint(i), &outs[i])
	}
	countDone := func() int {
		k := 0
		for _, c := range calls {
			if ftDone(c) {
				k++
			}
		}
		return k
	}
	waitFor(t, "the calls over the caps to be refused", func() bool { return countDone() >= n-admitted })
	for _, c := range calls {
		if ftDone(c) {
			biWantCode(t, "call over the caps", c.Err(), rpc.CodeOverloaded)
		}
	}
	waitFor(t, "the admitted handlers to start", func() bool { return f.blocked.Load() == int64(running) })
	if k := countDone(); k != n-admitted {
		t.Fatalf("%d calls finished while the handlers block, want %d refused", k, n-admitted)
	}
	waitFor(t, "the refusals to be logged", func() bool { return p.srvLog.Count("code=overloaded") == n-admitted })

	f.open()
	ok := 0
	for i, c := range calls {
		err := ftCallErr(t, ctx, c)
		switch {
		case err == nil:
			if outs[i] != fmt.Sprint(i) {
				t.Fatalf("call %d: reply %q", i, outs[i])
			}
			ok++
		case rpc.CodeOf(err) != rpc.CodeOverloaded:
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if ok != admitted {
		t.Fatalf("%d calls succeeded, want %d", ok, admitted)
	}
	if got := f.blocked.Load(); got != int64(admitted) {
		t.Fatalf("the handler ran %d times, want %d", got, admitted)
	}
	if lines := p.srvLog.Count("code=overloaded"); lines != n-admitted {
		t.Fatalf("%d overload lines, want %d", lines, n-admitted)
	}
	// The places are given back: the endpoint admits calls again.
	var out string
	if err := p.sess.Call(ctx, "/ft/mark", "after", &out); err != nil {
		t.Fatalf("call after the flood: %v", err)
	}
}

// TestFaultQueuedDeadline: a call whose deadline passes while it waits for a
// handler slot is answered CodeDeadlineExceeded, and its handler never runs.
func TestFaultQueuedDeadline(t *testing.T) {
	p, f := ftPair(t, rpc.Config{MaxHandlers: 1, MaxQueuedHandlers: 1, LogCalls: true}, rpc.Config{})
	ctx := testCtx(t)
	var outA string
	a := p.sess.AsyncCall(ctx, "/ft/block", "a", &outA)
	ftRecv(t, ctx, "the first handler to start", f.started)

	bctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	var outB string
	err := p.sess.Call(bctx, "/ft/mark", "b", &outB)
	biWantCode(t, "queued call past its deadline", err, rpc.CodeDeadlineExceeded)
	// Wait until the server is done with the queued call, then free the slot.
	waitFor(t, "the server to answer the queued call", func() bool {
		return p.srvLog.Count("method=/ft/mark") == 1
	})
	f.open()
	if err := ftCallErr(t, ctx, a); err != nil || outA != "a" {
		t.Fatalf("first call: %q, %v", outA, err)
	}
	if n := f.marks.Load(); n != 0 {
		t.Fatalf("the queued call's handler ran %d times after its deadline, want 0", n)
	}
	var out string
	if err := p.sess.Call(ctx, "/ft/mark", "c", &out); err != nil || out != "c" {
		t.Fatalf("call after: %q, %v", out, err)
	}
	if n := f.marks.Load(); n != 1 {
		t.Fatalf("/ft/mark ran %d times, want 1", n)
	}
}

// 12. Closing the caller's side under calls in flight.

func TestFaultSessionCloseInFlight(t *testing.T) {
	p, f := ftPair(t, rpc.Config{}, rpc.Config{})
	ftCloseInFlight(t, p, f, func() {
		if err := p.sess.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestFaultEndpointCloseInFlight(t *testing.T) {
	p, f := ftPair(t, rpc.Config{}, rpc.Config{})
	ftCloseInFlight(t, p, f, func() {
		if err := p.cli.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func ftCloseInFlight(t *testing.T, p *pair, f *ftServer, closeIt func()) {
	ctx := testCtx(t)
	const n = 3
	calls := make([]*rpc.Call, n)
	for i := range calls {
		calls[i] = p.sess.AsyncCall(ctx, "/ft/block", fmt.Sprint(i), nil)
	}
	for range n {
		ftRecv(t, ctx, "the handlers to start", f.started)
	}
	closeIt()
	for i, c := range calls {
		biWantCode(t, fmt.Sprintf("call %d in flight", i), ftCallErr(t, ctx, c), rpc.CodeConnClosed)
	}
	if ctx.Err() != nil {
		t.Fatal("the calls returned only when their context ended")
	}
	var out string
	biWantCode(t, "call after close", p.sess.Call(ctx, "/ft/mark", "x", &out), rpc.CodeConnClosed)
	biWantCode(t, "push after close", p.sess.Push(ctx, "/ft/mark", "x"), rpc.CodeConnClosed)
	if f.marks.Load() != 0 {
		t.Fatal("a call made after close reached the server")
	}
	// The server notices the close and ends its side of the session.
	waitFor(t, "the server to drop the session", func() bool { return p.srv.CountSessions() == 0 })
}

// 13. Calling on a session whose server is gone, with redial disabled (the
// default). Session.pick answers CodeUnavailable only while a session is
// down and redialing; without redial the session closes for good when its
// connection ends, so calls fail with CodeConnClosed, at once.

func TestFaultServerGone(t *testing.T) {
	p, _ := ftPair(t, rpc.Config{}, rpc.Config{})
	ctx := testCtx(t)
	p.serverSession(t)
	p.srv.Close()

	// Right away, before the client has necessarily noticed: no hang, and
	// the call fails as the connection ends.
	var out string
	biWantCode(t, "call right after the server closed", p.sess.Call(ctx, "/ft/mark", "x", &out), rpc.CodeConnClosed)

	ftRecv(t, ctx, "the client session to close", p.sess.Done())
	biWantCode(t, "call on the closed session", p.sess.Call(ctx, "/ft/mark", "x", &out), rpc.CodeConnClosed)
	biWantCode(t, "call with WithWaitForReady", p.sess.Call(ctx, "/ft/mark", "x", &out, rpc.WithWaitForReady()), rpc.CodeConnClosed)
	if ctx.Err() != nil {
		t.Fatal("a call waited for its context")
	}
	if p.sess.Health() {
		t.Fatal("Health is true on a closed session")
	}
}

// TestFaultPeerStopsReading: a peer that sends calls but never reads the
// replies has its session closed once a write has been stuck for
// WriteTimeout; the handlers waiting to reply are let go, and the server
// keeps serving others.
func TestFaultPeerStopsReading(t *testing.T) {
	// The pair's own session stays idle until biServes, which under -race
	// on a slow machine can be longer than FirstFrameTimeout: that limit is
	// not what this test is about.
	p := biPair(t, rpc.Config{WriteTimeout: 200 * time.Millisecond, FirstFrameTimeout: -1}, rpc.Config{})
	p.serverSession(t)
	r := biMustDialRaw(t, p.addr)
	if tc, ok := r.nc.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096) // keep the kernel from buffering much of what we never read
	}
	biWaitPeer(t, p, r.nc.LocalAddr(), true)
	// 64 replies of 512 KiB: far more than the socket buffers hold.
	var calls []byte
	for i := range 64 {
		calls = append(calls, biCall(uint32(i+1), "/bi/big", "524288")...)
	}
	if _, err := r.nc.Write(calls); err != nil {
		t.Fatal(err)
	}
	biWaitPeer(t, p, r.nc.LocalAddr(), false)
	biServes(t, p)
}

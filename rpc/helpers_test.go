package rpc_test

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// testTimeout bounds every call a test makes; see rpctest.Timeout.
const testTimeout = rpctest.Timeout

func testCtx(t testing.TB) context.Context { return rpctest.Context(t) }

// pair is a server endpoint serving on loopback TCP and a client endpoint
// with one session to it.
type pair struct {
	srv, cli *rpc.Endpoint
	addr     string
	sess     *rpc.Session // the client's session
	srvLog   *logBuffer
}

// pairOptions tune newPair.
type pairOptions struct {
	srv, cli         rpc.Config
	srvPlug, cliPlug []rpc.Plugin
	setup            func(srv *rpc.Endpoint) // registers routes before serving
	cliSetup         func(cli *rpc.Endpoint) // registers the client's routes before dialing
}

// newPair starts a server and dials it. Both endpoints are closed, and the
// test checked for leaked goroutines and fds, when the test ends.
func newPair(t testing.TB, o pairOptions) *pair {
	t.Helper()
	leakcheck.Check(t)
	p := &pair{srvLog: &logBuffer{}}
	if o.srv.Logger == nil {
		o.srv.Logger = slog.New(slog.NewTextHandler(p.srvLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := rpc.NewEndpoint(o.srv, o.srvPlug...)
	if err != nil {
		t.Fatal(err)
	}
	if o.setup != nil {
		o.setup(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-served
	})
	cli, err := rpc.NewEndpoint(o.cli, o.cliPlug...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	if o.cliSetup != nil {
		o.cliSetup(cli)
	}
	sess, err := cli.Dial(testCtx(t), l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p.srv, p.cli, p.addr, p.sess = srv, cli, l.Addr().String(), sess
	return p
}

// serverSession waits until the server has the client's session and returns it.
func (p *pair) serverSession(t testing.TB) *rpc.Session {
	t.Helper()
	var got *rpc.Session
	waitFor(t, "the server to register the session", func() bool {
		p.srv.RangeSessions(func(s *rpc.Session) bool { got = s; return false })
		return got != nil
	})
	return got
}

// waitFor polls cond until it holds; see rpctest.WaitFor.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	rpctest.WaitFor(t, what, cond)
}

// logBuffer collects log output; see rpctest.LogBuffer.
type logBuffer = rpctest.LogBuffer

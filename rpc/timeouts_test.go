package rpc_test

import (
	"net"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// TestIdleTimeout: a session that sends nothing is closed after IdleTimeout,
// with one log line, and the server keeps serving.
func TestIdleTimeout(t *testing.T) {
	p := newPair(t, pairOptions{srv: rpc.Config{IdleTimeout: 50 * time.Millisecond}, setup: func(srv *rpc.Endpoint) {
		srv.Router().RouteCall(new(Math))
	}})
	expectIdleClose(t, p)
}

// expectIdleClose waits for the server to close the pair's session as
// idle, and checks that it logged that once.
func expectIdleClose(t *testing.T, p *pair) {
	t.Helper()
	ss := p.serverSession(t)
	select {
	case <-ss.Done():
	case <-testCtx(t).Done():
		t.Fatal("the idle session was not closed")
	}
	if n := p.srvLog.Count("idle timeout"); n != 1 {
		t.Errorf("%d log lines about the idle timeout, want 1\n%s", n, p.srvLog.String())
	}
}

// TestReadTimeout: a peer that starts a frame and never finishes it is cut
// off after ReadTimeout, while a silent peer is not (no IdleTimeout).
func TestReadTimeout(t *testing.T) {
	p := newPair(t, pairOptions{srv: rpc.Config{ReadTimeout: 50 * time.Millisecond}, setup: func(srv *rpc.Endpoint) {
		srv.Router().RouteCall(new(Math))
	}})
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The first 3 bytes of a frame's length, then nothing.
	if _, err := c.Write([]byte{0, 0, 1}); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("the server sent data to a half-sent frame")
	}
	waitFor(t, "the read-timeout log line", func() bool { return p.srvLog.Count("read timeout") == 1 })
	// The proper client, silent meanwhile, is still served.
	var sum int
	if err := p.sess.Call(testCtx(t), "/math/add", []int{1, 2}, &sum); err != nil || sum != 3 {
		t.Fatalf("call after the cut: %d, %v", sum, err)
	}
}

// TestPushContextEndsWithSession: a push handler's context ends when its
// session does, as a call handler's does.
func TestPushContextEndsWithSession(t *testing.T) {
	started, ended := make(chan struct{}), make(chan error, 1)
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		srv.Router().HandlePush("/long", rpc.PushFunc(func(c *rpc.PushCtx, _ *struct{}) error {
			close(started)
			<-c.Context().Done()
			ended <- c.Context().Err()
			return nil
		}))
	}})
	if err := p.sess.Push(testCtx(t), "/long", struct{}{}); err != nil {
		t.Fatal(err)
	}
	<-started
	p.sess.Close()
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("the push context ended without an error")
		}
	case <-testCtx(t).Done():
		t.Fatal("the push handler's context did not end with the session")
	}
}

// TestReadTimeoutBetweenFrames: the frame deadline a busy connection keeps
// armed may pass while the connection is idle between frames: that ends
// neither the connection nor, with an IdleTimeout, the idle wait early,
// and the idle timeout still closes it, reported as such.
func TestReadTimeoutBetweenFrames(t *testing.T) {
	for _, idle := range []time.Duration{0, time.Second} {
		p := newPair(t, pairOptions{srv: rpc.Config{ReadTimeout: 20 * time.Millisecond, IdleTimeout: idle}, setup: func(srv *rpc.Endpoint) {
			srv.Router().RouteCall(new(Math))
		}})
		call := func() {
			t.Helper()
			var sum int
			if err := p.sess.Call(testCtx(t), "/math/add", []int{1, 2}, &sum); err != nil || sum != 3 {
				t.Fatalf("idle %v: %d, %v", idle, sum, err)
			}
		}
		call()
		// Time itself is what this test is about: the frame deadline
		// armed by the call passes during the idle wait.
		time.Sleep(5 * 20 * time.Millisecond)
		call()
		if n := p.srvLog.Count("connection lost"); n != 0 {
			t.Fatalf("idle %v: the connection was lost between frames:\n%s", idle, p.srvLog.String())
		}
		if idle > 0 {
			expectIdleClose(t, p)
		}
	}
}

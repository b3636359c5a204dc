package rpc_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"

	"github.com/dmicro-go/dmicro/rpc"
)

// gateAccept holds AfterAccept until released.
type gateAccept struct {
	entered, release chan struct{}
}

func (g *gateAccept) Name() string { return "gate" }

func (g *gateAccept) AfterAccept(*rpc.Session) error {
	close(g.entered)
	<-g.release
	return nil
}

// TestSessionPublishedAfterAccept: until AfterAccept lets a session in, the
// endpoint does not count it, range over it or broadcast to it.
func TestSessionPublishedAfterAccept(t *testing.T) {
	leakcheck.Check(t)
	g := &gateAccept{entered: make(chan struct{}), release: make(chan struct{})}
	srv, err := rpc.NewEndpoint(rpc.Config{}, g)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Dial(testCtx(t), l.Addr().String()); err != nil {
		t.Fatal(err)
	}
	<-g.entered
	if n := srv.CountSessions(); n != 0 {
		t.Errorf("CountSessions = %d while AfterAccept runs, want 0", n)
	}
	if err := srv.Broadcast(testCtx(t), "/x", nil); err != nil {
		t.Errorf("Broadcast reached a session AfterAccept had not let in: %v", err)
	}
	close(g.release)
	waitFor(t, "the session to be published", func() bool { return srv.CountSessions() == 1 })
}

// TestWrappedNilStatusIsAnError: an error that wraps a nil *Status is still
// an error; only a nil *Status returned as the error itself is success.
func TestWrappedNilStatusIsAnError(t *testing.T) {
	var nilStatus *rpc.Status
	if rpc.StatusOf(nilStatus) != nil || rpc.CodeOf(error(nilStatus)) != 0 {
		t.Fatal("a nil *Status is not success")
	}
	err := fmt.Errorf("load: %w", nilStatus)
	if got := rpc.CodeOf(err); got != rpc.CodeUnknown {
		t.Fatalf("CodeOf(wrapped nil status) = %v, want unknown", got)
	}
}

package kcp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/internal/bindtest"
	"github.com/dmicro-go/dmicro/transport/kcp"
)

// exchange sends msg from one end to the other and back.
func exchange(t *testing.T, client, server net.Conn, msg string) {
	t.Helper()
	for _, dir := range [][2]net.Conn{{client, server}, {server, client}} {
		if _, err := io.WriteString(dir[0], msg); err != nil {
			t.Fatalf("write: %v", err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(dir[1], got); err != nil {
			t.Fatalf("read: %v", err)
		}
		if string(got) != msg {
			t.Fatalf("read %q, want %q", got, msg)
		}
	}
}

// TestListenBinder: Listen takes its UDP socket from Config.Binder, with
// the network and address it was given, and Dial does not; the socket
// closes once the listener and the connection it accepted are closed.
func TestListenBinder(t *testing.T) {
	leakcheck.Check(t)
	var rec bindtest.Recorder
	cfg := testConfig
	cfg.Binder = &rec
	tr := kcp.Transport{Config: cfg}
	l, err := tr.Listen(rpctest.Context(t), "udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	client, server, _ := pairOn(t, tr, l)
	exchange(t, client, server, "through the binder")
	if want := []string{"ListenPacket udp4 127.0.0.1:0"}; !slices.Equal(rec.Calls(), want) {
		t.Fatalf("Binder calls %q, want %q", rec.Calls(), want)
	}
	socket := rec.Sockets()[0]
	if got, want := l.Addr().String(), socket.(net.PacketConn).LocalAddr().String(); got != want {
		t.Errorf("listener on %s, the Binder's socket on %s", got, want)
	}

	l.Close()
	exchange(t, client, server, "the socket outlives the listener")
	if bindtest.Closed(socket) {
		t.Fatal("the Binder's socket closed while a connection uses it")
	}
	client.Close()
	server.Close()
	rpctest.WaitFor(t, "the Binder's socket to close", func() bool { return bindtest.Closed(socket) })
}

// TestListenInheritedSocket: a Binder that hands out duplicates of a UDP
// socket bound beforehand, as a hot restart does, is served; the duplicate
// closes with the listener and its connections, and the original stays
// open for the next listener.
func TestListenInheritedSocket(t *testing.T) {
	leakcheck.Check(t)
	b := bindtest.PacketConn(t, "udp", "127.0.0.1:0")
	cfg := testConfig
	cfg.Binder = b
	tr := kcp.Transport{Config: cfg}
	for round := range 2 {
		l, err := tr.Listen(rpctest.Context(t), "udp", b.Addr())
		if err != nil {
			t.Fatalf("round %d: Listen: %v", round, err)
		}
		t.Cleanup(func() { l.Close() })
		client, server, _ := pairOn(t, tr, l)
		exchange(t, client, server, "inherited")
		l.Close()
		client.Close()
		server.Close()
		dups := b.Dups()
		if len(dups) != round+1 {
			t.Fatalf("round %d: %d duplicates handed out, want %d", round, len(dups), round+1)
		}
		rpctest.WaitFor(t, "the duplicate to close", func() bool { return bindtest.Closed(dups[round]) })
		if bindtest.Closed(b.Original()) {
			t.Fatalf("round %d: closing the listener closed the original socket", round)
		}
	}
}

// wrappedBinder returns UDP sockets wrapped in another type, which KCP
// cannot tune.
type wrappedBinder struct {
	wrapped *wrappedConn
}

type wrappedConn struct {
	net.PacketConn
	closed bool
}

func (c *wrappedConn) Close() error {
	c.closed = true
	return c.PacketConn.Close()
}

func (b *wrappedBinder) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	return transport.Bind{}.Listen(ctx, network, addr)
}

func (b *wrappedBinder) ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	pc, err := transport.Bind{}.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	b.wrapped = &wrappedConn{PacketConn: pc}
	return b.wrapped, nil
}

// TestListenBinderNotUDPConn: a Binder that returns another PacketConn than
// a *net.UDPConn is an invalid Config, and its socket is closed.
func TestListenBinderNotUDPConn(t *testing.T) {
	leakcheck.Check(t)
	var b wrappedBinder
	cfg := testConfig
	cfg.Binder = &b
	l, err := kcp.Transport{Config: cfg}.Listen(rpctest.Context(t), "udp", "127.0.0.1:0")
	if err == nil {
		l.Close()
		t.Fatal("Listen succeeded")
	}
	if !errors.Is(err, kcp.ErrConfig) {
		t.Errorf("error %v, want one wrapping ErrConfig", err)
	}
	if b.wrapped == nil || !b.wrapped.closed {
		t.Error("the Binder's socket was not closed")
	}
}

// TestListenBinderError: the Binder's error is Listen's.
func TestListenBinderError(t *testing.T) {
	leakcheck.Check(t)
	cfg := testConfig
	cfg.Binder = bindtest.PacketConn(t, "udp", "127.0.0.1:0")
	l, err := kcp.Transport{Config: cfg}.Listen(rpctest.Context(t), "udp", "127.0.0.1:0")
	if err == nil {
		l.Close()
		t.Fatal("Listen succeeded for an address the Binder does not have")
	}
	if !strings.HasPrefix(err.Error(), "transport/kcp: bindtest: no inherited socket") {
		t.Errorf("error %q, want the Binder's, after \"transport/kcp: \"", err)
	}
}

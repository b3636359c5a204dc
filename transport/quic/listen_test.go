package quic

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// acceptOne accepts one connection on ln and completes its handshake.
func acceptOne(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := c.(*Conn).HandshakeContext(ctx); err != nil {
		t.Fatalf("HandshakeContext: %v", err)
	}
	return c
}

// echoBack serves echo on an accepted conn until the test ends.
func echoBack(t *testing.T, c net.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.Close()
		echo(c)
	}()
	t.Cleanup(func() {
		c.Close()
		<-done
	})
}

// portFree reports whether nothing is bound to the UDP address addr.
func portFree(addr string) bool {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return false
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// TestListenerCloseKeepsConns: closing the listener refuses new
// connections but leaves the accepted ones working; the UDP socket closes
// with the last of them.
func TestListenerCloseKeepsConns(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	addr := ln.Addr().String()
	c1 := dial(t, client, "udp", addr)
	echoBack(t, acceptOne(t, ln))
	c2 := dial(t, client, "udp", addr)
	s2 := acceptOne(t, ln)
	echoBack(t, s2)

	if err := ln.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
	roundTrip(t, c1, "still served")
	roundTrip(t, c2, "me too")

	// Nobody accepts new connections.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if c, err := client.Dial(ctx, "udp", addr); err == nil {
		c.Close()
		t.Fatal("Dial succeeded after the listener closed")
	}
	if portFree(addr) {
		t.Fatal("the socket closed while connections still use it")
	}

	c1.Close()
	roundTrip(t, c2, "after the other one closed")
	if portFree(addr) {
		t.Fatal("the socket closed while a connection still uses it")
	}
	c2.Close()
	rpctest.WaitFor(t, "the socket to close after the last connection", func() bool { return portFree(addr) })
}

// TestListenTakesOverLingeringSocket: a Listen on the address of a closed
// listener whose connections still live takes over its socket.
func TestListenTakesOverLingeringSocket(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	addr := ln.Addr().String()
	old := dial(t, client, "udp", addr)
	echoBack(t, acceptOne(t, ln))
	ln.Close()

	ln2, err := server.Listen(context.Background(), "udp", addr)
	if err != nil {
		t.Fatalf("Listen on the lingering socket: %v", err)
	}
	serveEcho(t, ln2)
	if ln2.Addr().String() != addr {
		t.Errorf("new listener on %v, want %v", ln2.Addr(), addr)
	}
	roundTrip(t, dial(t, client, "udp", addr), "to the new listener")
	roundTrip(t, old, "to the old connection")

	// Another Transport cannot take it, nor the same one while it listens.
	other, _ := pair(t)
	for name, tr := range map[string]*Transport{"other Transport": other, "same Transport": server} {
		if l, err := tr.Listen(context.Background(), "udp", addr); err == nil {
			l.Close()
			t.Errorf("%s: Listen on a socket in use succeeded", name)
		}
	}
}

package quic

import (
	"context"
	"net"
	"slices"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/internal/bindtest"
)

// hidingBinder hands out the Recorder's sockets wrapped in a type that is
// not a *net.UDPConn, as a Binder may.
type hidingBinder struct{ *bindtest.Recorder }

// hiddenConn offers the net.PacketConn methods only.
type hiddenConn struct{ net.PacketConn }

func (b hidingBinder) ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	pc, err := b.Recorder.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return hiddenConn{pc}, nil
}

// binderPair returns a server Transport that listens through binder, and
// a client that trusts it.
func binderPair(t *testing.T, binder transport.Binder) (server, client *Transport) {
	t.Helper()
	cert := newSelfSigned(t)
	cfg := testConfig(cert.ServerConfig())
	cfg.Binder = binder
	return New(cfg), New(testConfig(cert.ClientConfig()))
}

// waitIdle waits until every socket of tr is closed.
func waitIdle(t *testing.T, tr *Transport) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := tr.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

// TestListenBinder: Listen takes its UDP socket from Config.Binder, with
// the network and address it was given, and Dial does not; the socket
// closes once the listener and the connection it accepted are closed. A
// Binder may return another net.PacketConn than a *net.UDPConn.
func TestListenBinder(t *testing.T) {
	leakcheck.Check(t)
	for _, name := range []string{"UDPConn", "other PacketConn"} {
		t.Run(name, func(t *testing.T) {
			rec := new(bindtest.Recorder)
			var server, client *Transport
			if name == "UDPConn" {
				server, client = binderPair(t, rec)
			} else {
				server, client = binderPair(t, hidingBinder{rec})
			}
			ln, err := server.Listen(context.Background(), "udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			t.Cleanup(func() { ln.Close() })
			c := dial(t, client, "udp", ln.Addr().String())
			echoBack(t, acceptOne(t, ln))
			roundTrip(t, c, "through the binder")
			if want := []string{"ListenPacket udp4 127.0.0.1:0"}; !slices.Equal(rec.Calls(), want) {
				t.Fatalf("Binder calls %q, want %q", rec.Calls(), want)
			}
			socket := rec.Sockets()[0]
			if got, want := ln.Addr().String(), socket.(net.PacketConn).LocalAddr().String(); got != want {
				t.Errorf("listener on %s, the Binder's socket on %s", got, want)
			}

			ln.Close()
			roundTrip(t, c, "the socket outlives the listener")
			if bindtest.Closed(socket) {
				t.Fatal("the Binder's socket closed while a connection uses it")
			}
			c.Close()
			waitIdle(t, server)
			if !bindtest.Closed(socket) {
				t.Error("the Binder's socket is open after the listener and its connection closed")
			}
		})
	}
}

// TestListenBinderTakesOverLingeringSocket: a Listen on the address of a
// socket that still lingers takes it over without asking the Binder.
func TestListenBinderTakesOverLingeringSocket(t *testing.T) {
	leakcheck.Check(t)
	var rec bindtest.Recorder
	server, client := binderPair(t, &rec)
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
	roundTrip(t, dial(t, client, "udp", addr), "to the new listener")
	roundTrip(t, old, "to the old connection")
	if calls := rec.Calls(); len(calls) != 1 {
		t.Errorf("Binder calls %q, want only the first Listen's", calls)
	}
}

// TestListenInheritedSocket: a Binder that hands out duplicates of a UDP
// socket bound beforehand, as a hot restart does, is served; the duplicate
// closes with the listener and its connections, and the original stays
// open for the next listener.
func TestListenInheritedSocket(t *testing.T) {
	leakcheck.Check(t)
	b := bindtest.PacketConn(t, "udp", "127.0.0.1:0")
	server, client := binderPair(t, b)
	for round := range 2 {
		ln, err := server.Listen(context.Background(), "udp", b.Addr())
		if err != nil {
			t.Fatalf("round %d: Listen: %v", round, err)
		}
		t.Cleanup(func() { ln.Close() })
		c := dial(t, client, "udp", b.Addr())
		echoBack(t, acceptOne(t, ln))
		roundTrip(t, c, "inherited")
		ln.Close()
		c.Close()
		waitIdle(t, server)
		dups := b.Dups()
		if len(dups) != round+1 {
			t.Fatalf("round %d: %d duplicates handed out, want %d", round, len(dups), round+1)
		}
		if !bindtest.Closed(dups[round]) {
			t.Errorf("round %d: the duplicate is open after the listener and its connection closed", round)
		}
		if bindtest.Closed(b.Original()) {
			t.Fatalf("round %d: closing the listener closed the original socket", round)
		}
	}
}

package transport

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/transport/internal/bindtest"
)

// binderCase is a server Transport over a Binder, and the client that
// talks to it.
type binderCase struct {
	name    string
	network string
	addr    func(t *testing.T) string
	server  func(b Binder) Transport
	client  Transport
}

func binderCases(t *testing.T) []binderCase {
	cert := newSelfSigned(t)
	unixClient := cert.ClientConfig()
	unixClient.ServerName = "localhost"
	loopback := func(*testing.T) string { return "127.0.0.1:0" }
	return []binderCase{
		{
			name: "tcp", network: "tcp", addr: loopback,
			server: func(b Binder) Transport { return Net{Binder: b} }, client: Net{},
		},
		{
			name: "tcp without keep-alive", network: "tcp", addr: loopback,
			server: func(b Binder) Transport { return Net{Binder: b, KeepAlive: -1} }, client: Net{},
		},
		{
			name: "unix", network: "unix", addr: sockPath,
			server: func(b Binder) Transport { return Net{Binder: b} }, client: Net{},
		},
		{
			name: "tls over tcp", network: "tcp", addr: loopback,
			server: func(b Binder) Transport { return TLS{Inner: Net{Binder: b}, Config: cert.ServerConfig()} },
			client: TLS{Config: cert.ClientConfig()},
		},
		{
			name: "tls over unix", network: "unix", addr: sockPath,
			server: func(b Binder) Transport { return TLS{Inner: Net{Binder: b}, Config: cert.ServerConfig()} },
			client: TLS{Config: unixClient},
		},
	}
}

// TestNetBinder: Listen takes its socket from the Binder, with the network
// and address it was given, serves it, and closes it with the listener.
func TestNetBinder(t *testing.T) {
	leakcheck.Check(t)
	for _, tt := range binderCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var rec bindtest.Recorder
			addr := tt.addr(t)
			ln, err := tt.server(&rec).Listen(ctx, tt.network, addr)
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			serveEcho(t, ln)
			if want := []string{"Listen " + tt.network + " " + addr}; !slices.Equal(rec.Calls(), want) {
				t.Fatalf("Binder calls %q, want %q", rec.Calls(), want)
			}
			socket := rec.Sockets()[0]
			if got, want := ln.Addr().String(), socket.(net.Listener).Addr().String(); got != want {
				t.Errorf("listener on %s, the Binder's socket on %s", got, want)
			}
			c, err := tt.client.Dial(ctx, tt.network, ln.Addr().String())
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer c.Close()
			roundTrip(t, c, "through the binder")
			if bindtest.Closed(socket) {
				t.Fatal("the Binder's socket is closed while the listener is open")
			}
			if err := ln.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if !bindtest.Closed(socket) {
				t.Error("closing the listener left the Binder's socket open")
			}
		})
	}
}

// TestNetInheritedSocket: a Binder that hands out duplicates of a socket
// bound beforehand, as a hot restart does, is served; the duplicate closes
// with the listener, and the original stays open for the next listener.
func TestNetInheritedSocket(t *testing.T) {
	leakcheck.Check(t)
	for _, tt := range binderCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := bindtest.Listener(t, tt.network, tt.addr(t))
			tr := tt.server(b)
			// Without the Binder, the address is taken.
			if ln, err := tt.server(nil).Listen(ctx, tt.network, b.Addr()); err == nil {
				ln.Close()
				t.Fatal("Listen without the Binder bound the inherited socket's address")
			}
			for round := range 2 {
				ln, err := tr.Listen(ctx, tt.network, b.Addr())
				if err != nil {
					t.Fatalf("round %d: Listen: %v", round, err)
				}
				serveEcho(t, ln)
				if ln.Addr().String() != b.Addr() {
					t.Errorf("round %d: listener on %s, want %s", round, ln.Addr(), b.Addr())
				}
				c, err := tt.client.Dial(ctx, tt.network, b.Addr())
				if err != nil {
					t.Fatalf("round %d: Dial: %v", round, err)
				}
				roundTrip(t, c, "inherited")
				c.Close()
				ln.Close()
				dups := b.Dups()
				if len(dups) != round+1 {
					t.Fatalf("round %d: %d duplicates handed out, want %d", round, len(dups), round+1)
				}
				if !bindtest.Closed(dups[round]) {
					t.Errorf("round %d: closing the listener left the duplicate open", round)
				}
				if bindtest.Closed(b.Original()) {
					t.Fatalf("round %d: closing the listener closed the original socket", round)
				}
			}
			if tt.network == "unix" {
				if fi, err := os.Lstat(b.Addr()); err != nil || fi.Mode().Type() != os.ModeSocket {
					t.Errorf("the inherited socket file is gone: %v", err)
				}
			}
		})
	}
}

// failingBinder fails every call.
type failingBinder struct{ err error }

func (b failingBinder) Listen(context.Context, string, string) (net.Listener, error) {
	return nil, b.err
}

func (b failingBinder) ListenPacket(context.Context, string, string) (net.PacketConn, error) {
	return nil, b.err
}

func TestNetBinderError(t *testing.T) {
	leakcheck.Check(t)
	cause := errors.New("no such inherited socket")
	for name, tr := range map[string]Transport{
		"Net": Net{Binder: failingBinder{cause}},
		"TLS": TLS{Inner: Net{Binder: failingBinder{cause}}, Config: newSelfSigned(t).ServerConfig()},
	} {
		t.Run(name, func(t *testing.T) {
			ln, err := tr.Listen(context.Background(), "tcp", "127.0.0.1:0")
			if err == nil {
				ln.Close()
				t.Fatal("Listen succeeded")
			}
			if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "transport: ") {
				t.Errorf("error %q, want one that starts with \"transport: \" and wraps the Binder's", err)
			}
		})
	}
	// The network is checked before the Binder is asked.
	ln, err := Net{Binder: failingBinder{cause}}.Listen(context.Background(), "udp", "127.0.0.1:0")
	if err == nil {
		ln.Close()
	}
	checkUnsupported(t, "Listen", err)
}

func TestBind(t *testing.T) {
	leakcheck.Check(t)
	ctx := context.Background()
	t.Run("ListenPacket", func(t *testing.T) {
		pc, err := Bind{}.ListenPacket(ctx, "udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		if _, ok := pc.(*net.UDPConn); !ok {
			t.Errorf("ListenPacket returned a %T, want a *net.UDPConn", pc)
		}
	})
	t.Run("Listen keeps the net package's errors", func(t *testing.T) {
		ln, err := Bind{}.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		_, err = Bind{}.Listen(ctx, "tcp", ln.Addr().String())
		var oe *net.OpError
		if !errors.As(err, &oe) || oe.Op != "listen" {
			t.Errorf("Listen on an address in use: %v, want a *net.OpError", err)
		}
	})
	for _, network := range []string{"udp", "unixgram", "ip4:icmp", ""} {
		t.Run("Listen "+network, func(t *testing.T) {
			ln, err := Bind{}.Listen(ctx, network, "127.0.0.1:0")
			if err == nil {
				ln.Close()
			}
			checkUnsupported(t, "Listen", err)
		})
	}
	for _, network := range []string{"tcp", "unix", "unixgram", "ip4:icmp", ""} {
		t.Run("ListenPacket "+network, func(t *testing.T) {
			pc, err := Bind{}.ListenPacket(ctx, network, "127.0.0.1:0")
			if err == nil {
				pc.Close()
			}
			checkUnsupported(t, "ListenPacket", err)
		})
	}
}

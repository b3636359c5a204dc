package websocket

import (
	"context"
	"net"
	"slices"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport/internal/bindtest"
)

// binderConfigs are a ws and a wss server, with their clients.
func binderConfigs() []struct {
	name           string
	server, client Config
} {
	cert := rpctest.Cert()
	return []struct {
		name           string
		server, client Config
	}{
		{"ws", Config{}, Config{}},
		{"wss", Config{TLS: cert.ServerConfig()}, Config{TLS: cert.ClientConfig()}},
	}
}

// TestListenBinder: Listen takes its TCP socket from Config.Binder, with
// the network and address it was given, serves WebSocket on it, and closes
// it with the listener.
func TestListenBinder(t *testing.T) {
	leakcheck.Check(t)
	for _, tt := range binderConfigs() {
		t.Run(tt.name, func(t *testing.T) {
			var rec bindtest.Recorder
			server := tt.server
			server.Binder = &rec
			ln, err := Transport{Config: server}.Listen(context.Background(), "tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			serveEcho(t, ln)
			if want := []string{"Listen tcp4 127.0.0.1:0"}; !slices.Equal(rec.Calls(), want) {
				t.Fatalf("Binder calls %q, want %q", rec.Calls(), want)
			}
			socket := rec.Sockets()[0]
			if got, want := ln.Addr().String(), socket.(net.Listener).Addr().String(); got != want {
				t.Errorf("listener on %s, the Binder's socket on %s", got, want)
			}
			c := dial(t, Transport{Config: tt.client}, "tcp", ln.Addr().String())
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
			roundTrip(t, c, "an accepted connection outlives its listener")
		})
	}
}

// TestListenInheritedSocket: a Binder that hands out duplicates of a TCP
// socket bound beforehand, as a hot restart does, is served; the duplicate
// closes with the listener, and the original stays open for the next one.
func TestListenInheritedSocket(t *testing.T) {
	leakcheck.Check(t)
	for _, tt := range binderConfigs() {
		t.Run(tt.name, func(t *testing.T) {
			b := bindtest.Listener(t, "tcp", "127.0.0.1:0")
			server := tt.server
			server.Binder = b
			for round := range 2 {
				ln, err := Transport{Config: server}.Listen(context.Background(), "tcp", b.Addr())
				if err != nil {
					t.Fatalf("round %d: Listen: %v", round, err)
				}
				serveEcho(t, ln)
				c := dial(t, Transport{Config: tt.client}, "tcp", b.Addr())
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
		})
	}
}

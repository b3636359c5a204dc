package websocket

import (
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestListenerCloseKeepsConns: closing the listener of Listen shuts its
// HTTP server down, but the sessions already accepted keep working.
func TestListenerCloseKeepsConns(t *testing.T) {
	leakcheck.Check(t)
	ep := newEndpoint(t, rpc.Config{})
	l := listen(t, Transport{}, "tcp", "127.0.0.1:0")
	serve(t, ep, l)
	cli := newEndpoint(t, rpc.Config{Transport: Transport{}})
	sess, err := cli.Dial(rpctest.Context(t), l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := sess.Call(rpctest.Context(t), "/math/add", []int{1, 2}, &sum); err != nil || sum != 3 {
		t.Fatalf("before Close: %d, %v", sum, err)
	}

	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := sess.Call(rpctest.Context(t), "/math/add", []int{3, 4}, &sum); err != nil || sum != 7 {
		t.Fatalf("after the listener closed: %d, %v", sum, err)
	}
	if _, err := (Transport{}).Dial(rpctest.Context(t), "tcp", l.Addr().String()); err == nil {
		t.Error("a dial after Close succeeded")
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want an error wrapping net.ErrClosed", err)
	}
}

// TestListenServesPathOnly: Listen's server answers the upgrade on
// Config.Path and 404 on other paths.
func TestListenServesPathOnly(t *testing.T) {
	leakcheck.Check(t)
	l := listen(t, Transport{Config: Config{Path: "/rpc"}}, "tcp", "127.0.0.1:0")
	base := "http://" + l.Addr().String()
	tests := []struct {
		path string
		want int
	}{
		{"/rpc", http.StatusUpgradeRequired},
		{"/", http.StatusNotFound},
		{"/rpc/x", http.StatusNotFound},
	}
	for _, tt := range tests {
		if code, _ := get(t, base+tt.path); code != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.path, code, tt.want)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestListenConfigErrors: Listen refuses a Config it cannot serve.
func TestListenConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"TLS without a certificate", Config{TLS: rpctest.Cert().ClientConfig()}},
		{"relative Path", Config{Path: "rpc"}},
		{"bad origin pattern", Config{OriginPatterns: []string{"[x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Transport{Config: tt.cfg}.Listen(rpctest.Context(t), "tcp", "127.0.0.1:0")
			if err == nil {
				l.Close()
				t.Fatal("Listen succeeded")
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v, want one wrapping ErrConfig", err)
			}
		})
	}
}

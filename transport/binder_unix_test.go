//go:build unix

package transport

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/transport/internal/bindtest"
)

// TestNetBinderKeepAlive: the connections accepted on an inherited socket
// get the keep-alive of Net, which the net package would otherwise turn on
// with its default.
func TestNetBinderKeepAlive(t *testing.T) {
	leakcheck.Check(t)
	tests := []struct {
		name      string
		keepAlive time.Duration
		want      bool
	}{
		{"off", -1, false},
		{"default", 0, true},
		{"period", 30 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bindtest.Listener(t, "tcp", "127.0.0.1:0")
			ln, err := Net{Binder: b, KeepAlive: tt.keepAlive}.Listen(context.Background(), "tcp", b.Addr())
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			defer ln.Close()
			c, err := net.Dial("tcp", b.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			sc, err := ln.Accept()
			if err != nil {
				t.Fatalf("Accept: %v", err)
			}
			defer sc.Close()
			if got := soKeepAlive(t, sc); got != tt.want {
				t.Errorf("SO_KEEPALIVE %v, want %v", got, tt.want)
			}
		})
	}
}

// soKeepAlive reports whether c has SO_KEEPALIVE set.
func soKeepAlive(t *testing.T, c net.Conn) bool {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		v, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
	}); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return v != 0
}

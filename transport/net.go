package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"
)

// Net is the Transport of the standard library's stream networks: "tcp",
// "tcp4", "tcp6" and "unix". The zero value is ready to use. A Net holds no
// state besides its fields, so it is safe for concurrent use as long as the
// fields are not changed.
//
// TCP connections keep TCP_NODELAY set, as the net package sets it on every
// TCP connection. Listen on "unix" replaces a stale socket file (see the
// package documentation), and closing the listener removes its file.
type Net struct {
	// KeepAlive is the TCP keep-alive period of dialed and accepted
	// connections. Zero uses the net package default (15 s); a negative
	// value turns keep-alive off. It is ignored for "unix".
	KeepAlive time.Duration
	// LocalAddr is the source address of TCP dials, as "ip" or "ip:port";
	// empty lets the system choose. It is ignored for "unix": client unix
	// sockets are never bound.
	LocalAddr string
}

var _ Transport = Net{}

// Listen announces on addr. The context bounds only the setup.
func (n Net) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	lc := net.ListenConfig{KeepAlive: n.KeepAlive}
	ln, err := lc.Listen(ctx, network, addr)
	if err != nil && network == "unix" && errors.Is(err, syscall.EADDRINUSE) && removeStale(ctx, addr) {
		ln, err = lc.Listen(ctx, network, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	return ln, nil
}

// removeStale removes the unix socket file at path if nobody listens on it,
// and reports whether it did. It leaves alone anything that is not a socket,
// abstract addresses (which have no file) and sockets that answer.
func removeStale(ctx context.Context, path string) bool {
	if path == "" || path[0] == '@' {
		return false
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != os.ModeSocket {
		return false
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		c.Close()
		return false
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	return os.Remove(path) == nil
}

// Dial connects to addr. The context bounds the connection setup only.
func (n Net) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	d := net.Dialer{KeepAlive: n.KeepAlive}
	if n.LocalAddr != "" && network != "unix" {
		local, err := parseLocalAddr(n.LocalAddr)
		if err != nil {
			return nil, err
		}
		d.LocalAddr = local
	}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	return c, nil
}

// parseLocalAddr parses "ip", "[ip]" or "ip:port" without name lookups.
func parseLocalAddr(s string) (*net.TCPAddr, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return net.TCPAddrFromAddrPort(ap), nil
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return nil, fmt.Errorf("transport: invalid LocalAddr %q: want ip or ip:port: %w", s, err)
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)), nil
}

func checkNetwork(network string) error {
	return CheckNetwork(network, "tcp", "tcp4", "tcp6", "unix")
}

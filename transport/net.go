package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Net is the Transport of the standard library's stream networks: "tcp",
// "tcp4", "tcp6" and "unix". The zero value is ready to use. A Net holds no
// state besides its fields, so it is safe for concurrent use as long as the
// fields are not changed.
//
// TCP connections keep TCP_NODELAY set, as the net package sets it on every
// TCP connection. Without a Binder, Listen on "unix" replaces a stale socket
// file (see the package documentation), and closing the listener removes its
// file.
type Net struct {
	// KeepAlive is the TCP keep-alive period of dialed and accepted
	// connections. Zero uses the net package default (15 s); a negative
	// value turns keep-alive off. It is ignored for "unix". With a Binder,
	// a non-zero KeepAlive is set on each accepted connection by the
	// listener that Listen returns, which then wraps the Binder's.
	KeepAlive time.Duration
	// LocalAddr is the source address of TCP dials, as "ip" or "ip:port";
	// empty lets the system choose. It is ignored for "unix": client unix
	// sockets are never bound.
	LocalAddr string
	// Binder, when set, opens the listening sockets of Listen, for
	// example sockets inherited from the process that ran before a hot
	// restart; see [Binder] for who closes them. Nil means fresh sockets,
	// bound as [Bind] does. Dial never uses it. [TLS] listens on a Binder's
	// sockets through its Inner transport: TLS{Inner: Net{Binder: b}}.
	Binder Binder
}

var _ Transport = Net{}

// Listen announces on addr. The context bounds only the setup. The socket
// comes from Binder, or is a fresh one bound by [Bind] with KeepAlive.
func (n Net) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	b := n.Binder
	if b == nil {
		b = Bind{KeepAlive: n.KeepAlive}
	}
	ln, err := b.Listen(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if n.Binder != nil && n.KeepAlive != 0 && network != "unix" {
		ln = keepAliveListener{Listener: ln, period: n.KeepAlive}
	}
	return ln, nil
}

// keepAliveListener gives the TCP connections that a Binder's listener
// accepts the keep-alive of Net, which the Binder knows nothing of: a
// listener inherited through a file descriptor turns keep-alive on with the
// net package default.
type keepAliveListener struct {
	net.Listener
	period time.Duration // Net.KeepAlive, not zero
}

// Accept waits for the next connection and sets its keep-alive.
func (l keepAliveListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if l.period < 0 {
			tc.SetKeepAlive(false)
		} else {
			tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: l.period})
		}
	}
	return c, nil
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

package transport

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"
)

// Binder opens the sockets that a transport listens on. Each transport binds
// a fresh socket by default; with a Binder it takes the socket the Binder
// returns instead, which lets a hot restart (package lifecycle) hand a new
// process the sockets that the old one listened on, so that no connection
// is refused while the two processes swap. Only Listen uses a Binder; Dial
// never does.
//
// A transport calls the Binder with the network and address its own Listen
// was given, unchanged. Listen of [Net]
// and [TLS] and of the WebSocket transport calls Binder.Listen; Listen of
// the KCP and QUIC transports calls Binder.ListenPacket.
//
// The transport takes ownership of what the Binder returns: it closes the
// socket when its listener closes or, for KCP and QUIC, whose accepted
// connections share the listener's socket, once the listener and the last
// of those connections are closed; and at once if its Listen fails after
// the Binder returned. A Binder that must keep the socket
// afterwards, as a hot restart keeps the sockets it will pass on, returns a
// duplicate of its file descriptor (through the File method of the
// *net.TCPListener, *net.UnixListener or *net.UDPConn, then
// [net.FileListener] or [net.FilePacketConn]) and keeps the original.
//
// Two processes that hold the same socket share its traffic: a stream
// socket's new connections go to whichever accepts first, which is what a
// hot restart wants, but each datagram of a UDP socket reaches only one of
// them. While the old process drains its KCP or QUIC connections, the
// datagrams of those connections that the new process reads are lost to
// them (and may look like new sessions to KCP).
//
// A *net.UnixListener removes its socket file when it is closed if package
// net created the file (as [Bind] does), and leaves it otherwise (as for a
// listener made by net.FileListener); SetUnlinkOnClose changes that. Which
// one a Binder returns is the Binder's business: one that hands the socket
// to another process must not let the listener remove the file.
//
// A Binder must be safe for concurrent use. The context bounds the binding
// only, not the life of the socket.
type Binder interface {
	// Listen returns a listening stream socket (network "tcp", "tcp4",
	// "tcp6" or "unix") on addr.
	Listen(ctx context.Context, network, addr string) (net.Listener, error)
	// ListenPacket returns a bound datagram socket (network "udp", "udp4"
	// or "udp6") on addr. The KCP transport needs a *net.UDPConn.
	ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error)
}

// Bind is the [Binder] that binds fresh sockets with the net package, as
// the transports do when they have no Binder. Its zero value is ready to
// use, and it holds no state besides its field, so it is safe for
// concurrent use.
//
// Listen on "unix" replaces a stale socket file, as described in the
// package documentation, and the listener it returns removes its socket
// file when closed. The errors of Bind are those of the net package (a
// *net.OpError), which the transports wrap, or an error wrapping
// [ErrUnsupportedNetwork] for a network Bind does not handle.
type Bind struct {
	// KeepAlive is the TCP keep-alive period of the connections that a
	// listener of Listen accepts. Zero uses the net package default
	// (15 s); a negative value turns keep-alive off. It is ignored for
	// "unix" and by ListenPacket.
	KeepAlive time.Duration
}

var _ Binder = Bind{}

// Listen binds a fresh listening socket on addr. Network is "tcp", "tcp4",
// "tcp6" or "unix".
func (b Bind) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if err := CheckNetwork(network, "tcp", "tcp4", "tcp6", "unix"); err != nil {
		return nil, err
	}
	lc := net.ListenConfig{KeepAlive: b.KeepAlive}
	ln, err := lc.Listen(ctx, network, addr)
	if err != nil && network == "unix" && errors.Is(err, syscall.EADDRINUSE) && removeStale(ctx, addr) {
		ln, err = lc.Listen(ctx, network, addr)
	}
	return ln, err
}

// ListenPacket binds a fresh datagram socket on addr, a *net.UDPConn.
// Network is "udp", "udp4" or "udp6".
func (b Bind) ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	if err := CheckNetwork(network, "udp", "udp4", "udp6"); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	return lc.ListenPacket(ctx, network, addr)
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

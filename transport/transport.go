package transport

import (
	"bufio"
	"context"
	"net"
)

// Transport listens and dials on an address. It is the whole contract between
// the rpc package and the network: rpc sees only net.Listener and net.Conn.
//
// Implementations must be safe for concurrent use. Network names the kind of
// address ("tcp", "unix", ...); a transport that has only one kind ignores it.
type Transport interface {
	// Listen announces on addr. The context bounds only the setup, not the
	// life of the listener.
	Listen(ctx context.Context, network, addr string) (net.Listener, error)
	// Dial connects to addr. The context bounds the connection setup,
	// including any handshake; it does not bound the life of the conn.
	Dial(ctx context.Context, network, addr string) (net.Conn, error)
}

// Handshaker is implemented by accepted connections that run a handshake of
// their own after Accept (TLS, KCP's OPEN/ACCEPT, QUIC's stream preface).
// A server calls HandshakeContext once, in the connection's own goroutine
// and under its own deadline, before it reads, so that one slow or silent
// peer never holds up Accept for the others. *tls.Conn implements it.
type Handshaker interface {
	HandshakeContext(ctx context.Context) error
}

// Upgrader recognises, from the first bytes of an accepted connection, a
// protocol that wraps the stream (a WebSocket upgrade request), and unwraps
// it. It lets one listening port serve both the plain stream and the
// wrapped one: a server shows each new connection's first bytes to its
// upgraders before it picks a frame format, and serves the connection that
// Upgrade returns in place of the accepted one.
//
// An Upgrader must be safe for concurrent use.
type Upgrader interface {
	// Sniff looks at the bytes a connection has sent so far (at most
	// MaxSniff). It reports match when they begin the protocol's
	// handshake, and more when it cannot tell yet and needs more bytes;
	// neither means the connection is not for this Upgrader.
	Sniff(head []byte) (match, more bool)
	// Upgrade completes the handshake on nc, whose first bytes are still
	// unread in br, and returns the unwrapped connection. The context
	// bounds the handshake only. On error the caller closes nc.
	Upgrade(ctx context.Context, nc net.Conn, br *bufio.Reader) (net.Conn, error)
}

// MaxSniff is the most bytes an [Upgrader] is shown to recognise a
// connection: enough for an HTTP request head with the usual headers.
const MaxSniff = 8 << 10

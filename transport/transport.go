package transport

import (
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

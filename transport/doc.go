// Package transport opens the byte streams that rpc runs on.
//
// A [Transport] listens and dials: Listen returns a [net.Listener] and Dial
// a [net.Conn], and that is all the rpc package sees of the network. The
// context of Listen and Dial bounds the setup only (resolution, connect and,
// for Dial over TLS, the handshake), never the life of what they return.
//
// Two implementations are provided:
//   - [Net], the standard library's stream networks "tcp", "tcp4", "tcp6"
//     and "unix", with a keep-alive period and an optional source address.
//     Any other network is an error wrapping [ErrUnsupportedNetwork].
//   - [TLS], TLS over any other Transport (Net by default). [NewSelfSigned]
//     makes a certificate for tests and example programs.
//
// Both are plain values with no state besides their configuration: they are
// safe for concurrent use, provided their fields are not changed while in
// use. The listeners and conns they return have the concurrency of the net
// and crypto/tls types they are.
//
// # Inherited sockets
//
// A [Binder] opens the sockets that a transport listens on, in place of the
// fresh ones it binds by default: a hot restart passes the listening sockets
// of the old process to the new one through a Binder. [Bind] is the Binder of
// fresh sockets. [Net] takes one in its Binder field, [TLS] through its
// Inner transport (TLS{Inner: Net{Binder: b}}), and the WebSocket, KCP and
// QUIC transports in their Config. The transport owns and closes what the
// Binder returns; see [Binder].
//
// # Unix sockets
//
// A unix socket file outlives a process that dies without closing its
// listener. When Listen on a unix path fails because the path is in use,
// [Bind], which Net uses unless it has a Binder, dials it: if that is
// refused, nobody is listening, so the stale file is removed and Listen tried
// again; if someone answers, the original error is returned and the live
// listener is left alone. Only socket files are ever removed. Two processes
// starting on the same stale path at the same moment may still race; give
// each server its own path. Closing a unix listener that Bind made removes
// its file.
//
// # TLS handshakes
//
// [TLS.Dial] completes the handshake before it returns, bounded by its
// context and by [TLS.HandshakeTimeout]. [TLS.Listen] does not: its Accept
// returns a *tls.Conn at once, and the server runs HandshakeContext in the
// connection's own goroutine, under its own deadline, so that one slow or
// silent client never holds up Accept for the others.
package transport

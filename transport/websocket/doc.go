// Package websocket carries rpc sessions over WebSocket (RFC 6455), ws or
// wss, so that browsers and HTTP infrastructure (proxies, load balancers,
// an existing HTTP server) can reach an rpc endpoint. It is built on
// github.com/coder/websocket.
//
// # The stream
//
// A connection is a byte stream in binary WebSocket messages, negotiated
// with the subprotocol "dmicro" ([Subprotocol]). The rpc frames of any wire
// format travel in it as they would over TCP: each Write of the connection
// is one message (or several, when it is longer than
// [Config.MaxMessageSize]), and reads stream across message boundaries, so
// a frame may be split over messages and a message may hold several frames.
// A text message closes the connection with status 1003 (unsupported data);
// a message over MaxMessageSize with status 1009 (message too big). Close
// sends status 1000 (normal closure), which the peer reads as io.EOF.
//
// # Three ways to serve
//
//   - [Transport.Listen] runs an HTTP server of its own on a TCP address and
//     serves upgrades on [Config.Path]. Closing its listener shuts that
//     server down but leaves the connections already accepted open, so
//     that an rpc endpoint drains them on graceful shutdown.
//   - A [Handler] mounts in an existing HTTP server (mux.Handle("/rpc", h))
//     and is at the same time the net.Listener that an rpc endpoint serves
//     (ep.Serve(h)).
//   - [Upgrade] upgrades one request in a handler of your own, for an rpc
//     endpoint's ServeConn.
//
// [Transport.Dial] takes the "host:port" that the listener's Addr gives and
// opens ws://host:port/Path, or wss:// when [Config.TLS] is set.
//
// # Browsers
//
// Browsers send an Origin header; a page of another origin than the server
// is refused with 403 unless [Config.OriginPatterns] allows it, which guards
// against cross-site WebSocket hijacking. Programs send no Origin and are
// not checked. The file js/dmicro.js is a small client for browsers that
// speaks the json wire format (rpc/wire/json/FORMAT.md) over this
// transport:
//
//	import { connect } from "./dmicro.js";
//	const c = connect("wss://example.com/rpc");
//	const sum = await c.call("/math/add", [1, 2, 3]); // 6
//
// # Limits
//
// Only the networks "tcp", "tcp4" and "tcp6" are served; others give an
// error wrapping transport.ErrUnsupportedNetwork. Compression
// (permessage-deflate) is off: the rpc layer's gzip filter compresses
// bodies. No HTTP proxy is used by Dial.
//
// Deadlines differ a little from a TCP conn's, as coder/websocket cannot
// interrupt a read or write without closing the connection: a deadline
// that passes while a Read or Write is in progress closes the connection,
// and a write deadline applies to the Writes that start after it is set.
// A Read or Write that fails at its deadline returns an error wrapping
// os.ErrDeadlineExceeded, a net.Error whose Timeout is true.
//
// Close sends its close frame and waits for the peer's at most
// [Config.CloseTimeout] while a Read is in progress (as in an rpc session,
// whose reader always reads), and at most 5 s, coder/websocket's bound,
// otherwise.
//
// # Concurrency
//
// [Transport] is a plain value, safe for concurrent use while its Config
// does not change. [Handler], the listeners and the connections are safe
// for concurrent use, as net.Listener and net.Conn are. Every goroutine the
// package starts belongs to a listener, which stops it and waits for it in
// Close.
//
// See the examples for a ws echo and for a Handler mounted in a ServeMux.
package websocket

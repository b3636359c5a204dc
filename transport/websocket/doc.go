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
// # Four ways to serve
//
//   - [Transport.Listen] runs an HTTP server of its own on a TCP address and
//     serves upgrades on [Config.Path]. Closing its listener shuts that
//     server down but leaves the connections already accepted open, so
//     that an rpc endpoint drains them on graceful shutdown.
//   - An [Upgrader] serves WebSocket on the port of an rpc endpoint that
//     serves other frame formats too; see "One port" below.
//   - A [Handler] mounts in an existing HTTP server (mux.Handle("/rpc", h))
//     and is at the same time the net.Listener that an rpc endpoint serves
//     (ep.Serve(h)).
//   - [Upgrade] upgrades one request in a handler of your own, for an rpc
//     endpoint's ServeConn.
//
// [Transport.Dial] takes the "host:port" that the listener's Addr gives and
// opens ws://host:port/Path, or wss:// when [Config.TLS] is set.
//
// # The path
//
// [DefaultPath], the path of a zero Config, is "/": Dial requests
// ws://host:port/, and Listen and an Upgrader serve that path only. This is
// what cmd/rpcserver serves (-transport websocket, or -wire auto on tcp,
// unix or tls) and what cmd/rpcclient and the examples dial. Set
// Config.Path on both sides to use another. A Handler serves the path its
// ServeMux routes to it, whatever Config.Path says.
//
// # One port
//
// An rpc endpoint whose Config.Formats lists several frame formats serves
// them all on each port, and picks each connection's format from its first
// bytes. An [Upgrader] in its Config.Upgraders adds WebSocket to that port:
// the endpoint shows the Upgrader each connection's first bytes before it
// picks a format, the Upgrader takes the WebSocket upgrade requests of
// Config.Path and answers them itself, and the endpoint serves the
// WebSocket connection, picking its format again from the first bytes
// inside it (or using Config.Format when only one format is served):
//
//	up, err := websocket.NewUpgrader(websocket.Config{})
//	...
//	ep, err := rpc.NewEndpoint(rpc.Config{
//		Formats:   []wire.Format{raw.Format{}, json.Format{}, http.Format{}},
//		Upgraders: []transport.Upgrader{up},
//	})
//	err = ep.ListenAndServe()
//
// Every other request goes to the formats: a plain GET of Config.Path (no
// upgrade), and an upgrade to another path, reach the http format, which
// answers them as it answers any request. Only the first request of a
// connection can be an upgrade: once the http format serves a connection,
// an upgrade that follows on it is an http request like the others. The
// Upgrader tells a connection that is no upgrade from the request line
// (another method or path) or else from the end of its head, so a plain
// request of Config.Path waits for its whole head before a format is
// picked; a peer that leaves its head unfinished is closed at the
// endpoint's HandshakeTimeout. TLS is the listener's: with the endpoint's
// TLSConfig (or a transport.TLS), the same port serves wss.
//
// # The subprotocol
//
// Dial offers the subprotocol "dmicro" ([Subprotocol]) and fails with
// [ErrSubprotocol] unless the server chooses it. The server side (Listen,
// Handler, Upgrade, Upgrader) chooses it when the client offers it, but
// does not enforce it: a client that offers no subprotocol, such as a
// generic WebSocket tool, is served all the same, with no subprotocol
// chosen. A client that offers only other subprotocols is served too, and
// none is chosen, as RFC 6455 lets a server do.
//
// # Browsers
//
// Browsers send an Origin header; a page of another origin than the server
// is refused with 403 unless [Config.OriginPatterns] allows it, which guards
// against cross-site WebSocket hijacking. Programs send no Origin and are
// not checked. The file js/dmicro.js is a small client for browsers that
// speaks the json wire format (rpc/wire/json/FORMAT.md) over this
// transport, and only that one: the endpoint it calls must serve json,
// as its Config.Format or among its Config.Formats.
//
//	import { connect } from "./dmicro.js";
//	const c = connect("wss://example.com/");
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
// The server side ([Transport.Listen], [Handler], [Upgrade], [Upgrader])
// checks the header of every frame a client sends before coder/websocket
// reads it (RFC 6455, section 5.2), from the first byte after the upgrade
// request, those that came with the request included. A frame that is not
// masked, one with a reserved bit set (no extension is negotiated), an
// unknown opcode, a control frame that is fragmented or longer than 125
// bytes, a continuation outside a fragmented message or a new message
// inside one, and a 64-bit length whose most significant bit is set close
// the connection with status 1002 (protocol error); a data frame whose
// length takes its message over MaxMessageSize closes it with status 1009
// (message too big), from the header, before any of its payload is read
// or buffered. The Read that meets the frame fails with an error that
// names the status, and wraps websocket.ErrMessageTooBig for 1009. A
// Handler does this through the connection that coder/websocket hijacks
// from the ResponseWriter, found as http.ResponseController finds it; with
// a ResponseWriter that cannot be hijacked there is no upgrade at all.
// [Transport.Dial] leaves the server's frames to coder/websocket, which
// refuses a message over MaxMessageSize once it has read that much of it.
//
// An [Upgrader] bounds the reading of the upgrade request and the writing
// of its answer with the context it is given (an rpc endpoint's
// HandshakeTimeout) and with [Config.HandshakeTimeout]; the request's head
// may have at most 64 KiB, as with Listen.
//
// Close sends its close frame and waits for the peer's at most
// [Config.CloseTimeout] while a Read is in progress (as in an rpc session,
// whose reader always reads), and at most 5 s, coder/websocket's bound,
// otherwise.
//
// # Concurrency
//
// [Transport] is a plain value, safe for concurrent use while its Config
// does not change. [Handler], [Upgrader], the listeners and the
// connections are safe for concurrent use, as net.Listener and net.Conn
// are. Every goroutine the package starts belongs to a listener, which
// stops it and waits for it in Close; an Upgrader starts none.
//
// See the examples for a ws echo, for a Handler mounted in a ServeMux, and
// for an Upgrader that serves WebSocket on the port of every format.
package websocket

// Package quic is the QUIC transport of dmicro: a [transport.Transport]
// whose Listen and Dial return a [net.Listener] and [net.Conn] over QUIC
// (RFC 9000), built on github.com/quic-go/quic-go. It lives in a package of
// its own so that only the programs that import it link quic-go.
//
// Make a Transport with [New] and a [Config] whose TLS configuration has a
// certificate (servers) or trusts the server (clients); hand it to rpc as
// its Transport, with Network "udp", "udp4" or "udp6":
//
//	tr := quic.New(quic.Config{TLS: tlsConfig})
//	ep, err := rpc.NewEndpoint(rpc.Config{Network: "udp", Transport: tr})
//
// QUIC always runs TLS 1.3. Both sides offer the ALPN protocol "dmicro"
// ([NextProto]) unless the TLS configuration names others; a server that
// speaks none of the client's, or a certificate the client does not trust,
// fails Dial with an error that says so.
//
// # One stream per connection
//
// A QUIC connection carries many independent streams, but a dmicro
// session uses one: the client opens a single bidirectional stream, and the
// [Conn] that Listen and Dial hand to rpc is that stream with the
// connection's addresses. The rpc layer already multiplexes its calls on
// one byte stream, with its own framing, sequence numbers and write
// coalescing, and a net.Conn is the whole contract between rpc and its
// transports; a stream per call would need rpc to know about streams, and
// every other transport to fake them. The cost is head-of-line blocking: a
// lost packet holds up the calls behind it on the stream until it is
// retransmitted, as it does on TCP. The connection still gains what QUIC
// gives below the stream: a 1-RTT handshake (0-RTT with [Config.Allow0RTT]),
// no head-of-line blocking with other connections on the same socket, and
// loss recovery in user space. It also measures faster: at 64 concurrent
// callers on one loopback connection of a 2-core machine, an rpc call of
// the 581-byte benchmark message over the one stream ran at 67k calls/s,
// while a bare 581-byte echo with a stream per call, with no rpc framing
// or codec at all, ran at 21k (BenchmarkStreamPerCall in this package, and
// internal/transportbench).
//
// A QUIC stream becomes visible to the peer only once data flows on it, so
// the dialer writes a short fixed preface at once. The server's Accept
// returns a connection as soon as its QUIC handshake completes, without
// waiting for the stream; [Conn.HandshakeContext] (which rpc calls in the
// connection's own goroutine, under rpc.Config.HandshakeTimeout) or else
// the first Read or Write waits for the stream and checks the preface. A
// client that sends anything else is refused with an error wrapping
// [ErrBadPreface].
//
// # Defaults, and a peer that vanished
//
// Each zero knob of Config means a default: keep-alive PINGs every 5 s
// ([DefaultKeepAlivePeriod]), an idle timeout of 15 s
// ([DefaultMaxIdleTimeout]), 5 s for a handshake with a silent peer
// ([DefaultHandshakeIdleTimeout]), a linger of 3 s after Close
// ([DefaultLinger]), and no 0-RTT.
//
// A peer that closes its connection sends CONNECTION_CLOSE, and Read
// returns at once. A peer that vanishes (its process killed, its host
// unplugged) sends nothing more; the keep-alives stop coming, and after
// MaxIdleTimeout without a packet the connection ends: Read and Write fail
// with an error in which errors.As finds quic-go's *IdleTimeoutError. That
// error is not a timeout in the [net.Error] sense, and does not wrap
// [net.ErrClosed], so rpc reports the session lost, not idle and not
// closed by its own side.
//
// The keep-alives keep the QUIC connection alive; they are not rpc
// traffic. rpc.Config.IdleTimeout, which closes a session that received no
// frame for that long, counts rpc frames only, through the read deadline of
// the Conn, so a session that QUIC keeps alive but that carries no calls
// still ends after rpc's IdleTimeout. Use the rpc heartbeat plugin to keep
// such a session open, and MaxIdleTimeout to notice a dead peer.
//
// # Closing
//
// [Conn.Close] returns at once. In the background it closes the stream's
// write side, so that the peer reads everything written and then io.EOF,
// waits for the peer to close its side too (at most [Config.Linger]), and
// only then closes the QUIC connection. [Listener.Close] stops accepting
// but leaves the connections it accepted working, as rpc's graceful
// shutdown and hot restart need; the listener's UDP socket stays open until
// the last of them has closed. While it stays, a Listen of the same
// Transport on the same address takes the socket over. Every goroutine
// ends once everything has been closed.
//
// QUIC runs in the process, not in the kernel as TCP does: what a closed
// connection has not sent yet when the process exits is lost, and its peer
// learns of the end only by its idle timeout. A program that exits after a
// graceful shutdown should call [Transport.Wait] first, with a deadline.
//
// # Concurrency
//
// A Transport, its Listeners and Conns are safe for concurrent use. A Conn
// allows one Read and one Write at a time in parallel, as rpc does, and
// Close and the deadline setters at any time.
//
// See the example for a listener and a dialer that echo bytes.
package quic

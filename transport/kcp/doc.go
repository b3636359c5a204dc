// Package kcp is a transport.Transport over KCP (github.com/xtaci/kcp-go):
// a reliable, ordered byte stream over UDP that recovers lost packets
// faster than TCP, at the cost of more bandwidth, for lossy and
// long-distance links.
//
// Import it only where KCP is wanted: the rpc package does not, so a
// program that does not import this package links none of kcp-go.
//
//	tr := kcp.Transport{Config: kcp.Config{Crypt: "aes-gcm", Key: key}}
//	ep, _ := rpc.NewEndpoint(rpc.Config{Transport: tr, Network: "udp"})
//
// # The session layer
//
// KCP has no connection set-up and no end: a session exists once a packet
// is sent and never learns that its peer closed, restarted or died. The
// transport runs a thin session layer inside the stream (FORMAT.md in this
// directory) so that a connection behaves like a TCP one:
//
//   - Dial returns once the peer answered the opening, and fails when
//     nobody answers within the context and Config.HandshakeTimeout, or at
//     once when the peer's host reports that nothing listens on the port.
//   - Close is seen by the peer as the end of the stream, after every byte
//     written before it. A closed connection keeps retransmitting in the
//     background until the peer closes too, or Config.Linger passes.
//   - A peer from which nothing arrived for Config.PeerTimeout (3 ×
//     KeepAlive, 15 s by default) ends the connection with ErrPeerSilent:
//     each side sends a PING after KeepAlive without sending anything.
//
// So a KCP peer of this package must speak the session layer; plain
// kcp-go clients are refused at the opening.
//
// # Defaults
//
// The zero Config is tuned for latency: KCP's no-delay mode with a 10 ms
// update interval, fast resend after 2 duplicate ACKs, congestion control
// off, windows of 1024 packets, an MTU of 1350 bytes, no FEC and no
// packet encryption. Turn on Crypt (prefer "aes-gcm") on any network you
// do not control, and FEC (DataShards, ParityShards) where losses come in
// bursts and latency matters more than bandwidth.
//
// # Listeners and sockets
//
// All the connections a listener accepts share its UDP socket. Closing the
// listener stops accepting; the connections go on, and the socket is
// closed with the last of them, so a graceful shutdown can drain them. A
// server restarted in the same process can bind the port again only once
// that has happened. Each dialed connection has a UDP socket of its own.
//
// # Half-open sessions
//
// kcp-go makes a session of any packet from a new address that looks like
// KCP, and this package cannot learn before the peer's OPEN whether it is
// a client. A session whose OPEN came in its first packet, as with every
// Dial of this package, opens in Accept at once. The others are half-open
// until their OPEN arrives or HandshakeContext gives up; a listener keeps
// at most Config.MaxHalfOpen of them (128 by default), and drops every new
// one past that at once: Accept does not return it, the peer is sent
// nothing, and a line is logged to Config.Logger at most once a second
// with the count. Until it opens, a session keeps KCP windows of 4 packets
// and no read buffer, about 30 KiB, plus up to 31 packet buffers of
// 1.5 KiB that its first datagram brought out of order (kcp-go takes it
// with a window of its own), and with FEC up to four groups of
// DataShards+ParityShards packets in kcp-go's decoder. A dropped
// session's memory is freed when kcp-go's scheduler next visits it,
// within 100 ms. With packet encryption (Crypt), packets without the key
// make no session at all.
//
// The Transport holds only its Config and is safe for concurrent use; a
// connection allows one Read and one Write at a time, concurrently, like a
// net.TCPConn.
package kcp

package kcp

import (
	"net"
	"time"
)

// connectedUDP is a dialed UDP socket, connected to the peer, as the
// net.PacketConn kcp-go wants. Being connected, it learns from the ICMP
// "port unreachable" that a peer's host sends once nothing listens on the
// port: its reads fail with "connection refused", which ends the session at
// once instead of after the peer timeout. It deliberately does not offer
// the batch I/O methods of *net.UDPConn, which would send with an address
// on a connected socket.
type connectedUDP struct {
	uc *net.UDPConn
}

var _ net.PacketConn = connectedUDP{}

func (c connectedUDP) ReadFrom(p []byte) (int, net.Addr, error) {
	n, err := c.uc.Read(p)
	return n, c.uc.RemoteAddr(), err
}

func (c connectedUDP) WriteTo(p []byte, _ net.Addr) (int, error) { return c.uc.Write(p) }

func (c connectedUDP) Close() error                       { return c.uc.Close() }
func (c connectedUDP) LocalAddr() net.Addr                { return c.uc.LocalAddr() }
func (c connectedUDP) SetDeadline(t time.Time) error      { return c.uc.SetDeadline(t) }
func (c connectedUDP) SetReadDeadline(t time.Time) error  { return c.uc.SetReadDeadline(t) }
func (c connectedUDP) SetWriteDeadline(t time.Time) error { return c.uc.SetWriteDeadline(t) }
func (c connectedUDP) SetReadBuffer(bytes int) error      { return c.uc.SetReadBuffer(bytes) }
func (c connectedUDP) SetWriteBuffer(bytes int) error     { return c.uc.SetWriteBuffer(bytes) }
func (c connectedUDP) SetDSCP(dscp int) error             { return setDSCP(c.uc, dscp) }

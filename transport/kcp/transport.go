package kcp

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"

	kcpgo "github.com/xtaci/kcp-go/v5"

	"github.com/dmicro-go/dmicro/transport"
)

// Transport is the Transport of KCP over UDP, with the session layer of
// FORMAT.md. Its zero value is ready to use. It holds no state besides its
// Config, so it is safe for concurrent use as long as the Config does not
// change.
type Transport struct {
	Config Config
}

var _ transport.Transport = Transport{}

// checkNetwork accepts the UDP networks.
func checkNetwork(network string) error {
	return transport.CheckNetwork(network, "udp", "udp4", "udp6")
}

// Listen announces on the UDP address addr. The listener's Accept returns
// each new session at once, without waiting for anything: one whose OPEN
// came with its first packet has opened; for the others, half-open, the
// opening (reading the peer's OPEN) happens in HandshakeContext, which the
// rpc layer calls in the connection's own goroutine, or on its first Read
// or Write. Past Config.MaxHalfOpen half-open sessions, Accept drops new
// ones instead of returning them. Closing the listener stops accepting;
// the connections it accepted keep working, and the UDP socket is closed
// once the last of them is. The UDP socket comes from Config.Binder, or is a
// fresh one.
func (t Transport) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	cfg, err := t.Config.resolve()
	if err != nil {
		return nil, err
	}
	uc, err := cfg.bind(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if err := tune(uc, cfg); err != nil {
		return nil, err
	}
	kl, err := kcpgo.ServeConn(cfg.block, cfg.DataShards, cfg.ParityShards, uc)
	if err != nil {
		uc.Close()
		return nil, fmt.Errorf("transport/kcp: %w", err)
	}
	return &listener{kl: kl, uc: uc, cfg: cfg}, nil
}

// Dial connects to the UDP address addr and runs the session layer's
// opening: it returns once the peer answered, or fails when ctx ends or
// HandshakeTimeout passes first, or as soon as the peer's host says that
// nothing listens on the port.
func (t Transport) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	cfg, err := t.Config.resolve()
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("transport/kcp: %w", err)
	}
	uc := nc.(*net.UDPConn)
	if err := tune(uc, cfg); err != nil {
		return nil, err
	}
	var b [4]byte
	rand.Read(b[:])
	sess, err := kcpgo.NewConn4(binary.LittleEndian.Uint32(b[:]), uc.RemoteAddr(), cfg.block, cfg.DataShards, cfg.ParityShards, true, connectedUDP{uc})
	if err != nil {
		uc.Close()
		return nil, fmt.Errorf("transport/kcp: %w", err)
	}
	c := newConn(sess, cfg, nil)
	hctx, cancel := context.WithTimeout(ctx, cfg.HandshakeTimeout)
	defer cancel()
	if err := c.dial(hctx); err != nil {
		c.Close()
		c.wg.Wait()
		return nil, fmt.Errorf("transport/kcp: dial %s: %w", addr, err)
	}
	return c, nil
}

// bind returns the UDP socket of Listen: Binder's, or a fresh one.
func (s *settings) bind(ctx context.Context, network, addr string) (*net.UDPConn, error) {
	var b transport.Binder = transport.Bind{}
	if s.Binder != nil {
		b = s.Binder
	}
	pc, err := b.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("transport/kcp: %w", err)
	}
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		if pc != nil {
			pc.Close()
		}
		return nil, fmt.Errorf("%w: Binder.ListenPacket returned a %T, want a *net.UDPConn", ErrConfig, pc)
	}
	return uc, nil
}

// tune sizes uc's buffers and sets its DSCP, or closes it and says why.
// The kernel may cap the buffers below SocketBuffer; that is no error.
func tune(uc *net.UDPConn, cfg *settings) error {
	uc.SetReadBuffer(cfg.SocketBuffer)
	uc.SetWriteBuffer(cfg.SocketBuffer)
	if cfg.DSCP == 0 {
		return nil
	}
	if err := setDSCP(uc, cfg.DSCP); err != nil {
		uc.Close()
		return fmt.Errorf("transport/kcp: DSCP: %w", err)
	}
	return nil
}

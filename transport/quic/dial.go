package quic

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	quicgo "github.com/quic-go/quic-go"
)

// noApplicationProtocol is the QUIC error code of the TLS alert
// no_application_protocol (120): the peers share no ALPN protocol.
const noApplicationProtocol = 0x100 + 120

// Dial connects to addr from a UDP socket of its own, completes the QUIC
// handshake (with Allow0RTT, only as far as 0-RTT allows), opens the
// connection's stream and sends the preface, and returns a *[Conn]. The
// handshake is bounded by ctx and by Config.HandshakeIdleTimeout.
//
// Errors start "transport/quic: dial ADDR:" and wrap the cause: the context's error,
// a *tls.CertificateVerificationError for a server certificate the client
// does not trust, a quic-go *TransportError for a TLS alert (such as
// no_application_protocol when the server does not speak the ALPN protocol),
// or, when nobody answers within HandshakeIdleTimeout, a quic-go
// *IdleTimeoutError (or *HandshakeTimeoutError for a handshake that began
// but took more than twice as long).
func (t *Transport) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	if err := t.cfg.Validate(); err != nil {
		return nil, err
	}
	raddr, err := resolve(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	local := "udp4"
	if raddr.IP.To4() == nil {
		local = "udp6"
	}
	udp, err := net.ListenUDP(local, nil)
	if err != nil {
		return nil, fmt.Errorf("transport/quic: dial %s: %w", addr, err)
	}
	qt := &quicgo.Transport{Conn: udp}
	t.mu.Lock()
	t.opened()
	t.mu.Unlock()
	closeSocket := func() {
		qt.Close()
		udp.Close()
		t.mu.Lock()
		t.closed()
		t.mu.Unlock()
	}
	tlsConf, qconf := t.cfg.clientTLS(addr, t.sessionCache()), t.cfg.quicConfig(false)

	var qc *quicgo.Conn
	if t.cfg.Allow0RTT {
		qc, err = qt.DialEarly(ctx, raddr, tlsConf, qconf)
	} else {
		qc, err = qt.Dial(ctx, raddr, tlsConf, qconf)
	}
	if err != nil {
		closeSocket()
		return nil, t.dialError(ctx, addr, tlsConf, err)
	}
	st, err := qc.OpenStream()
	if err == nil {
		if dl, ok := ctx.Deadline(); ok {
			st.SetWriteDeadline(dl)
		}
		_, err = st.Write([]byte(preface))
	}
	if err != nil {
		qc.CloseWithError(codeNoError, "")
		closeSocket()
		return nil, fmt.Errorf("transport/quic: dial %s: sending the preface: %w", addr, err)
	}
	c := newConn(qc, nil, &t.cfg, closeSocket)
	c.startEarly(qc)
	c.publish(st)
	return c, nil
}

// dialError explains why a dial failed, wrapping the cause.
func (t *Transport) dialError(ctx context.Context, addr string, tlsConf *tls.Config, err error) error {
	var (
		cverr *tls.CertificateVerificationError
		terr  *quicgo.TransportError
		herr  *quicgo.HandshakeTimeoutError
		ierr  *quicgo.IdleTimeoutError
	)
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Cause(ctx)):
		return fmt.Errorf("transport/quic: dial %s: no QUIC handshake before the context ended (is a server listening?): %w", addr, err)
	case errors.As(err, &cverr):
		return fmt.Errorf("transport/quic: dial %s: the server's certificate is not trusted: %w", addr, err)
	case errors.As(err, &terr) && terr.ErrorCode == noApplicationProtocol:
		return fmt.Errorf("transport/quic: dial %s: the server speaks none of the ALPN protocols %q: %w", addr, tlsConf.NextProtos, err)
	case errors.As(err, &herr) || errors.As(err, &ierr):
		return fmt.Errorf("transport/quic: dial %s: no QUIC handshake within HandshakeIdleTimeout %v (is a server listening?): %w",
			addr, t.cfg.handshakeIdleTimeout(), err)
	}
	return fmt.Errorf("transport/quic: dial %s: %w", addr, err)
}

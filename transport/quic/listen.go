package quic

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	quicgo "github.com/quic-go/quic-go"
)

// socket is a listening UDP socket with its QUIC transport. It is shared by
// its listener, while open, and by the connections the listener accepted,
// and closed when the last of them lets it go. Its fields after key are
// guarded by the Transport's mu.
type socket struct {
	key  string
	conn net.PacketConn // a *net.UDPConn, unless a Binder gave another
	qt   *quicgo.Transport

	refs      int  // the open listener, if any, and the accepted connections
	listening bool // a listener is open on it
}

// Listen announces on addr and returns a *[Listener]. The context bounds
// only the name lookup and Config.Binder. Network is "udp", "udp4" or
// "udp6"; any other is an error wrapping [transport.ErrUnsupportedNetwork].
//
// The UDP socket comes from Config.Binder, or is a fresh one, except when a
// socket of t still lingers on addr: Listen takes that one over and does not
// call the Binder.
func (t *Transport) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if err := checkNetwork(network); err != nil {
		return nil, err
	}
	if err := t.cfg.validateServer(); err != nil {
		return nil, err
	}
	laddr, err := resolve(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tlsConf, qconf := t.cfg.serverTLS(), t.cfg.quicConfig(true)

	if laddr.Port != 0 {
		t.mu.Lock()
		if s := t.sockets[network+" "+laddr.String()]; s != nil && !s.listening {
			defer t.mu.Unlock()
			return t.listenOn(s, tlsConf, qconf)
		}
		t.mu.Unlock()
	}
	// Bound outside mu, which the Binder's code is not called under. A
	// socket that lingers on addr meanwhile holds the port, so that the
	// bind fails as it would under mu.
	conn, err := t.bind(ctx, network, addr, laddr)
	if err != nil {
		return nil, err
	}
	bound := *laddr
	if ua, ok := conn.LocalAddr().(*net.UDPAddr); ok {
		bound.Port = ua.Port
	}
	s := &socket{key: network + " " + bound.String(), conn: conn, qt: &quicgo.Transport{Conn: conn}}
	t.mu.Lock()
	defer t.mu.Unlock()
	l, err := t.listenOn(s, tlsConf, qconf)
	if err != nil {
		s.qt.Close()
		conn.Close()
		return nil, err
	}
	if t.sockets == nil {
		t.sockets = make(map[string]*socket)
	}
	t.sockets[s.key] = s
	t.opened()
	return l, nil
}

// bind returns the UDP socket of a Listen on addr, which resolves to laddr:
// the Binder's, or a fresh one.
func (t *Transport) bind(ctx context.Context, network, addr string, laddr *net.UDPAddr) (net.PacketConn, error) {
	if t.cfg.Binder != nil {
		conn, err := t.cfg.Binder.ListenPacket(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("transport/quic: %w", err)
		}
		return conn, nil
	}
	udp, err := net.ListenUDP(network, laddr)
	if err != nil {
		return nil, fmt.Errorf("transport/quic: %w", err)
	}
	return udp, nil
}

// listenOn starts a listener on s. The caller holds t.mu.
func (t *Transport) listenOn(s *socket, tlsConf *tls.Config, qconf *quicgo.Config) (*Listener, error) {
	l := &Listener{t: t, s: s}
	if t.cfg.Allow0RTT {
		el, err := s.qt.ListenEarly(tlsConf, qconf)
		if err != nil {
			return nil, fmt.Errorf("transport/quic: listen: %w", err)
		}
		l.next, l.stop = el.Accept, el.Close
	} else {
		ql, err := s.qt.Listen(tlsConf, qconf)
		if err != nil {
			return nil, fmt.Errorf("transport/quic: listen: %w", err)
		}
		l.next, l.stop = ql.Accept, ql.Close
	}
	s.refs++
	s.listening = true
	return l, nil
}

// release lets s go; the last release closes it.
func (t *Transport) release(s *socket) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s.refs--
	if s.refs > 0 {
		return
	}
	if t.sockets[s.key] == s {
		delete(t.sockets, s.key)
	}
	// Under mu, so that a Listen on the same address either takes the
	// socket over or finds the port free.
	s.qt.Close()
	s.conn.Close()
	t.closed()
}

// Listener is the [net.Listener] of a QUIC server. Accept returns a *[Conn]
// as soon as a client's QUIC handshake completes, without waiting for its
// stream: see [Conn.HandshakeContext]. Close stops accepting, but leaves
// the accepted connections working; the UDP socket closes with the last of
// them. A Listener is safe for concurrent use.
type Listener struct {
	t      *Transport
	s      *socket
	next   func(context.Context) (*quicgo.Conn, error) // the quic-go listener's Accept
	stop   func() error                                // and its Close
	closed bool                                        // guarded by t.mu
}

// Accept waits for the next connection whose QUIC handshake has completed
// and returns it as a *[Conn]. After Close it returns an error wrapping
// [net.ErrClosed].
func (l *Listener) Accept() (net.Conn, error) {
	qc, err := l.next(context.Background())
	if err != nil {
		if errors.Is(err, quicgo.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
			return nil, closedError("accept")
		}
		return nil, fmt.Errorf("transport/quic: accept: %w", err)
	}
	if !l.acquire() {
		l.refuse(qc)
		return nil, closedError("accept")
	}
	return newConn(qc, nil, &l.t.cfg, func() { l.t.release(l.s) }), nil
}

// acquire counts one more connection on the socket, unless l is closed.
func (l *Listener) acquire() bool {
	l.t.mu.Lock()
	defer l.t.mu.Unlock()
	if l.closed {
		return false
	}
	l.s.refs++
	return true
}

// refuse closes a connection that completed its handshake but will not be
// served.
func (l *Listener) refuse(qc *quicgo.Conn) {
	qc.CloseWithError(codeRefused, "server closed")
	if log := l.t.cfg.Logger; log != nil {
		log.Debug("transport/quic: connection refused: the listener is closed", "remote", qc.RemoteAddr().String())
	}
}

// Close stops accepting: handshakes in flight are refused, and Accept
// returns an error. Connections accepted before are not touched. Close
// returns nil, also when called again.
func (l *Listener) Close() error {
	l.t.mu.Lock()
	if l.closed {
		l.t.mu.Unlock()
		return nil
	}
	l.closed = true
	l.t.mu.Unlock()

	l.stop() // waits for the handshakes in flight to be refused
	// Connections whose handshake completed but that nobody accepted; with
	// the quic-go listener closed, its Accept no longer blocks.
	for {
		qc, err := l.next(context.Background())
		if err != nil {
			break
		}
		l.refuse(qc)
	}
	l.t.mu.Lock()
	l.s.listening = false
	l.t.mu.Unlock()
	l.t.release(l.s)
	return nil
}

// Addr returns the local address of the UDP socket.
func (l *Listener) Addr() net.Addr { return l.s.conn.LocalAddr() }

var _ net.Listener = (*Listener)(nil)

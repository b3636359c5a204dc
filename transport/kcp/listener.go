package kcp

import (
	"errors"
	"fmt"
	"net"
	"sync"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// listener accepts the KCP sessions of one UDP socket. The socket outlives
// the listener until the last connection it accepted is closed, so that a
// graceful shutdown drains those connections after Close.
type listener struct {
	kl  *kcpgo.Listener
	uc  *net.UDPConn
	cfg *settings

	mu     sync.Mutex
	conns  int  // accepted connections whose KCP session is not closed
	closed bool // Close was called
}

// Accept returns the next connection. Its opening is read later, in
// HandshakeContext or on first use, so that one slow peer never holds up
// the others.
func (l *listener) Accept() (net.Conn, error) {
	s, err := l.kl.AcceptKCP()
	if err != nil {
		l.mu.Lock()
		closed := l.closed
		l.mu.Unlock()
		if closed {
			return nil, fmt.Errorf("transport/kcp: accept: %w", net.ErrClosed)
		}
		return nil, fmt.Errorf("transport/kcp: accept: %w", err)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		s.Close()
		return nil, fmt.Errorf("transport/kcp: accept: %w", net.ErrClosed)
	}
	l.conns++
	l.mu.Unlock()
	return newConn(s, l.cfg, l), nil
}

// release counts a closed connection, and closes the socket after the
// last one once the listener is closed.
func (l *listener) release() {
	l.mu.Lock()
	l.conns--
	last := l.closed && l.conns == 0
	l.mu.Unlock()
	if last {
		l.uc.Close()
	}
}

// Close stops accepting. The connections accepted keep working; the UDP
// socket closes with the last of them.
func (l *listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("transport/kcp: close: %w", net.ErrClosed)
	}
	l.closed = true
	idle := l.conns == 0
	l.mu.Unlock()
	err := l.kl.Close()
	if idle {
		err = errors.Join(err, l.uc.Close())
	}
	return err
}

// Addr returns the UDP address the listener serves.
func (l *listener) Addr() net.Addr { return l.uc.LocalAddr() }

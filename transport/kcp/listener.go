package kcp

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// listener accepts the KCP sessions of one UDP socket. The socket outlives
// the listener until the last connection it accepted is closed, so that a
// graceful shutdown drains those connections after Close.
//
// kcp-go makes a session of every packet from a new address that looks
// like KCP. Accept opens at once the sessions whose OPEN came first, counts
// the others as half-open, up to MaxHalfOpen, and drops the rest.
type listener struct {
	kl  *kcpgo.Listener
	uc  *net.UDPConn
	cfg *settings

	mu       sync.Mutex
	conns    int    // accepted connections whose KCP session is not closed
	halfOpen int    // accepted connections whose opening is under way
	seen     uint64 // sessions kcp-go handed over
	dropped  uint64 // sessions dropped over MaxHalfOpen
	logged   uint64 // dropped when the last line was logged
	loggedAt time.Time
	closed   bool // Close was called
}

// Accept returns the next connection. A connection whose OPEN has arrived
// opens here, without waiting; for the others the opening is read later,
// in HandshakeContext or on first use, so that one slow peer never holds
// up the others.
func (l *listener) Accept() (net.Conn, error) {
	for {
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
		l.seen++
		if l.closed {
			l.mu.Unlock()
			s.Close()
			return nil, fmt.Errorf("transport/kcp: accept: %w", net.ErrClosed)
		}
		l.conns++
		l.mu.Unlock()
		c := newConn(s, l.cfg, l)
		if c.tryOpen() || l.enterHalfOpen(c) {
			return c, nil
		}
		c.drop()
		l.logDrop(s.RemoteAddr())
	}
}

// enterHalfOpen counts c among the half-open sessions, unless there are
// MaxHalfOpen already.
func (l *listener) enterHalfOpen(c *conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.MaxHalfOpen >= 0 && l.halfOpen >= l.cfg.MaxHalfOpen {
		l.dropped++
		return false
	}
	l.halfOpen++
	c.halfOpen.Store(true)
	return true
}

// leaveHalfOpen counts a half-open session that opened, failed or closed.
func (l *listener) leaveHalfOpen() {
	l.mu.Lock()
	l.halfOpen--
	l.mu.Unlock()
}

// logDrop logs the sessions dropped over MaxHalfOpen, at most once a
// second: each line says how many were dropped since the one before.
func (l *listener) logDrop(remote net.Addr) {
	l.mu.Lock()
	now := time.Now()
	if !l.loggedAt.IsZero() && now.Sub(l.loggedAt) < time.Second {
		l.mu.Unlock()
		return
	}
	n, total := l.dropped-l.logged, l.dropped
	l.logged, l.loggedAt = l.dropped, now
	l.mu.Unlock()
	l.cfg.log.Warn("transport/kcp: half-open sessions over MaxHalfOpen dropped",
		"addr", l.Addr().String(), "dropped", n, "total", total, "limit", l.cfg.MaxHalfOpen, "remote", remote.String())
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

package kcp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// aLongTimeAgo is a deadline in the past: it wakes a blocked Read or Write.
var aLongTimeAgo = time.Unix(1, 0)

// conn is a session layer connection (FORMAT.md) over one KCP session.
//
// One Read and one Write may run at once, each holding its own semaphore
// (a channel, so that a Read or Write waiting for it gives up when the
// connection is closed); the keep-alive and closing goroutines take the
// same semaphores.
//
// Until its opening is done, a connection holds little: it reads the KCP
// session without a buffer of its own, an accepted one keeps KCP's windows
// at halfOpenWindow packets, and its keep-alive goroutine is not started.
type conn struct {
	sess *kcpgo.UDPSession
	cfg  *settings
	l    *listener // the listener that accepted it; nil when dialed

	readSem chan struct{} // held by the reader of cr
	cr      *chunkReader
	rerr    error // sticky: end of stream, protocol or socket error

	writeSem chan struct{} // held by the writer of the session
	hdr      [headerSize]byte
	bufs     [2][]byte
	werr     error // sticky: socket error

	openOnce sync.Once
	openErr  error
	opened   atomic.Bool
	halfOpen atomic.Bool // counted among l's half-open sessions

	lastRecv, lastSend atomic.Int64 // unix nanoseconds
	silent             atomic.Bool  // the peer timeout passed
	peerClosed         atomic.Bool  // the peer's CLOSE was read

	closeOnce sync.Once
	closed    chan struct{} // closed by Close
	ended     chan struct{} // closed once the KCP session is released
	wg        sync.WaitGroup
}

var _ net.Conn = (*conn)(nil)

// newConn makes the conn of sess, configured by cfg, for l when l
// accepted it (nil when dialed).
func newConn(sess *kcpgo.UDPSession, cfg *settings, l *listener) *conn {
	//lint:ignore SA1019 kcp-go marks the setter deprecated but has no other way to turn stream mode on
	sess.SetStreamMode(true)
	sess.SetNoDelay(cfg.NoDelay, int(cfg.Interval/time.Millisecond), cfg.Resend, cfg.NoCongestion)
	if l != nil {
		sess.SetWindowSize(halfOpenWindow, halfOpenWindow)
	} else {
		sess.SetWindowSize(cfg.SendWindow, cfg.ReceiveWindow)
	}
	sess.SetMtu(cfg.MTU)
	sess.SetACKNoDelay(true)
	sess.SetWriteDelay(false)
	c := &conn{
		sess:     sess,
		cfg:      cfg,
		l:        l,
		cr:       newChunkReader(sess),
		closed:   make(chan struct{}),
		ended:    make(chan struct{}),
		readSem:  make(chan struct{}, 1),
		writeSem: make(chan struct{}, 1),
	}
	now := time.Now().UnixNano()
	c.lastRecv.Store(now)
	c.lastSend.Store(now)
	// Whatever arrives proves the peer alive, whether or not it is read yet.
	sess.SetReadNotify(func() { c.lastRecv.Store(time.Now().UnixNano()) })
	return c
}

func (c *conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// Read reads the peer's stream: the payloads of its DATA chunks. It
// answers PINGs on the way and returns io.EOF after the peer's CLOSE.
func (c *conn) Read(p []byte) (int, error) {
	if err := c.open(); err != nil {
		return 0, err
	}
	if err := c.lockRead(); err != nil {
		return 0, err
	}
	defer c.unlockRead()
	for {
		switch {
		case c.isClosed():
			return 0, net.ErrClosed
		case c.rerr != nil:
			return 0, c.rerr
		case c.silent.Load():
			return 0, c.readError(nil)
		case c.cr.data > 0:
			if len(p) == 0 {
				return 0, nil
			}
			n, err := c.cr.readData(p)
			if err != nil {
				err = c.readError(err)
			}
			return n, err
		}
		typ, payload, err := c.cr.next()
		if err != nil {
			return 0, c.readError(err)
		}
		switch typ {
		case chunkPing:
			// A writer busy with DATA proves this side alive already.
			if c.tryLockWrite() {
				c.writeChunkLocked(chunkPong, nil) // a failure shows in the next Write
				c.unlockWrite()
			}
		case chunkClose:
			c.peerClosed.Store(true)
			c.rerr = io.EOF
			_ = payload // the reason, if any, is for captures
		case chunkData, chunkPong:
		default:
			c.rerr = fmt.Errorf("%w: unexpected chunk 0x%02x", ErrProtocol, typ)
		}
	}
}

// readError turns an error of the KCP session or of the chunk reader into
// what Read returns, and keeps it when it ends the stream. Deadlines do not
// end it: they give an error that matches os.ErrDeadlineExceeded.
func (c *conn) readError(err error) error {
	var ne net.Error
	switch {
	case c.isClosed():
		return net.ErrClosed
	case c.silent.Load():
		c.rerr = fmt.Errorf("%w for %v", ErrPeerSilent, c.cfg.PeerTimeout)
	case errors.As(err, &ne) && ne.Timeout():
		return &net.OpError{Op: "read", Net: "kcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.ErrDeadlineExceeded}
	case errors.Is(err, ErrProtocol):
		c.rerr = err
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe):
		c.rerr = fmt.Errorf("transport/kcp: the session ended: %w", io.ErrUnexpectedEOF)
	default:
		c.rerr = fmt.Errorf("transport/kcp: read: %w", err)
	}
	return c.rerr
}

// Write writes p as DATA chunks.
func (c *conn) Write(p []byte) (int, error) {
	if err := c.open(); err != nil {
		return 0, err
	}
	if err := c.lockWrite(); err != nil {
		return 0, err
	}
	defer c.unlockWrite()
	n := 0
	for len(p) > 0 {
		if c.isClosed() {
			return n, net.ErrClosed
		}
		k := min(len(p), maxDataChunk)
		if err := c.writeChunkLocked(chunkData, p[:k]); err != nil {
			return n, err
		}
		n += k
		p = p[k:]
	}
	return n, nil
}

// writeControl writes a control chunk.
func (c *conn) writeControl(typ byte, payload []byte) error {
	if err := c.lockWrite(); err != nil {
		return err
	}
	defer c.unlockWrite()
	return c.writeChunkLocked(typ, payload)
}

// writeChunkLocked writes one chunk. The caller holds the write semaphore.
func (c *conn) writeChunkLocked(typ byte, payload []byte) error {
	if c.werr != nil {
		return c.werr
	}
	c.bufs[0], c.bufs[1] = appendHeader(c.hdr[:0], typ, len(payload)), payload
	_, err := c.sess.WriteBuffers(c.bufs[:])
	c.bufs[1] = nil
	if err == nil {
		c.lastSend.Store(time.Now().UnixNano())
		return nil
	}
	var ne net.Error
	switch {
	case c.isClosed():
		return net.ErrClosed
	case c.silent.Load():
		c.werr = fmt.Errorf("%w for %v", ErrPeerSilent, c.cfg.PeerTimeout)
	case errors.As(err, &ne) && ne.Timeout():
		return &net.OpError{Op: "write", Net: "kcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.ErrDeadlineExceeded}
	default:
		c.werr = fmt.Errorf("transport/kcp: write: %w", err)
	}
	return c.werr
}

// Close ends the connection at once for its user: a blocked Read or Write
// returns net.ErrClosed. In the background it sends CLOSE after what was
// written, keeps the KCP session retransmitting until the peer's CLOSE
// arrives or Linger passes, then releases it.
func (c *conn) Close() error {
	c.closeOnce.Do(func() {
		c.leaveHalfOpen()
		close(c.closed)
		c.sess.SetReadDeadline(aLongTimeAgo)
		c.sess.SetWriteDeadline(aLongTimeAgo)
		c.wg.Add(1)
		go c.finish()
	})
	return nil
}

// drop releases the KCP session of a connection that Accept does not
// return, at once: nothing was sent on it, and nobody else holds it.
func (c *conn) drop() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.sess.Close()
		close(c.ended)
		c.l.release()
	})
}

// finish is the closing goroutine.
func (c *conn) finish() {
	defer c.wg.Done()
	linger := time.Now().Add(c.cfg.Linger)
	graceful := c.opened.Load() && !c.silent.Load()
	if graceful {
		c.writeSem <- struct{}{}
		c.sess.SetWriteDeadline(linger)
		graceful = c.writeChunkLocked(chunkClose, nil) == nil
		c.unlockWrite()
	}
	if graceful {
		c.readSem <- struct{}{}
		c.sess.SetReadDeadline(linger)
		c.drainUntilClose()
		c.unlockRead()
		// Closing a KCP session drops the packets it has not sent yet and
		// ends retransmission: give what was written, the CLOSE last, a
		// few retransmission timeouts to be acknowledged.
		rto := time.Duration(c.sess.GetRTO()) * time.Millisecond
		quiet := time.NewTimer(min(time.Until(linger), 2*max(rto, c.cfg.Interval)))
		<-quiet.C
	}
	c.sess.Close()
	close(c.ended)
	if c.l != nil {
		c.l.release()
	}
}

// drainUntilClose reads and drops what the peer sends until its CLOSE, an
// error or the read deadline, and answers PINGs. The caller holds the read
// semaphore.
func (c *conn) drainUntilClose() {
	if c.peerClosed.Load() || c.rerr != nil {
		return
	}
	for {
		if c.cr.data > 0 && c.cr.discardData() != nil {
			return
		}
		typ, _, err := c.cr.next()
		if err != nil || typ == chunkClose {
			return
		}
		if typ == chunkPing && c.tryLockWrite() {
			c.writeChunkLocked(chunkPong, nil)
			c.unlockWrite()
		}
	}
}

// keepAlive sends a PING when nothing was sent for KeepAlive, and ends the
// connection when nothing arrived for PeerTimeout. It starts once the
// connection opened, and goes on while a closed connection lingers, for a
// peer that still sends.
func (c *conn) keepAlive() {
	defer c.wg.Done()
	tick := time.NewTicker(max(c.cfg.KeepAlive/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-c.ended:
			return
		case now := <-tick.C:
			if now.Sub(time.Unix(0, c.lastRecv.Load())) >= c.cfg.PeerTimeout {
				c.silent.Store(true)
				c.sess.SetReadDeadline(aLongTimeAgo)
				c.sess.SetWriteDeadline(aLongTimeAgo)
				return
			}
			if now.Sub(time.Unix(0, c.lastSend.Load())) >= c.cfg.KeepAlive && c.tryLockWrite() {
				c.writeChunkLocked(chunkPing, nil)
				c.unlockWrite()
			}
		}
	}
}

// LocalAddr returns the local UDP address.
func (c *conn) LocalAddr() net.Addr { return c.sess.LocalAddr() }

// RemoteAddr returns the peer's UDP address.
func (c *conn) RemoteAddr() net.Addr { return c.sess.RemoteAddr() }

// SetDeadline sets the read and write deadlines.
func (c *conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline of Read.
func (c *conn) SetReadDeadline(t time.Time) error {
	if c.isClosed() {
		return net.ErrClosed
	}
	return c.sess.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline of Write.
func (c *conn) SetWriteDeadline(t time.Time) error {
	if c.isClosed() {
		return net.ErrClosed
	}
	return c.sess.SetWriteDeadline(t)
}

// lockRead takes the read semaphore, unless the connection is closed
// first.
func (c *conn) lockRead() error {
	select {
	case c.readSem <- struct{}{}:
		return nil
	case <-c.closed:
		return net.ErrClosed
	}
}

func (c *conn) unlockRead() { <-c.readSem }

// lockWrite takes the write semaphore, unless the connection is closed
// first.
func (c *conn) lockWrite() error {
	select {
	case c.writeSem <- struct{}{}:
		return nil
	case <-c.closed:
		return net.ErrClosed
	}
}

// tryLockWrite takes the write semaphore if it is free.
func (c *conn) tryLockWrite() bool {
	select {
	case c.writeSem <- struct{}{}:
		return true
	default:
		return false
	}
}

func (c *conn) unlockWrite() { <-c.writeSem }

package kcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

const (
	// halfOpenWindow is the send and receive window, in packets, of an
	// accepted connection until its opening is done. OPEN and ACCEPT take
	// one packet each; a small window bounds what a peer that never opens
	// can make the session hold (a KCP packet that arrives out of order
	// holds a buffer of kcp-go's largest packet, about 1.5 KiB, until the
	// gap before it fills). The windows of Config apply from the ACCEPT on.
	halfOpenWindow = 4
	// readBufferSize is the buffer a connection reads the KCP session
	// through once it opened.
	readBufferSize = 32 << 10
)

// errNotYet is the error of a tryReader with nothing to read.
var errNotYet = errors.New("transport/kcp: nothing arrived yet")

// tryReader reads a KCP session without waiting: it fails with errNotYet
// when nothing has arrived.
type tryReader struct {
	s *kcpgo.UDPSession
}

func (r tryReader) Read(p []byte) (int, error) {
	n, err := r.s.TryRead(p)
	if n == 0 && err == nil {
		return 0, errNotYet
	}
	return n, err
}

// HandshakeContext reads the peer's OPEN and answers ACCEPT, once, on an
// accepted connection; the rpc layer calls it in the connection's own
// goroutine. It returns at once when the listener already opened the
// connection, as it does when the OPEN came with the session's first
// packet. On a dialed connection, which opened in Dial, it does nothing.
func (c *conn) HandshakeContext(ctx context.Context) error {
	if c.l == nil {
		return nil
	}
	c.openOnce.Do(func() { c.opening(c.accept(ctx)) })
	return c.openErr
}

// open runs the opening of an accepted connection used before
// HandshakeContext, bounded by HandshakeTimeout.
func (c *conn) open() error {
	if c.l == nil || c.opened.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.HandshakeTimeout)
	defer cancel()
	return c.HandshakeContext(ctx)
}

// tryOpen runs the opening of a newly accepted connection when its first
// chunk has arrived, without waiting for anything. It reports whether the
// opening is over, done or failed; if not, the connection is half-open.
func (c *conn) tryOpen() bool {
	if err := c.lockRead(); err != nil {
		return false
	}
	c.cr.r = tryReader{c.sess}
	typ, payload, err := c.cr.next()
	c.cr.r = c.sess
	if errors.Is(err, errNotYet) {
		c.unlockRead()
		return false
	}
	err = c.firstChunk(typ, err)
	c.unlockRead()
	c.openOnce.Do(func() { c.opening(c.answerOpen(typ, payload, err)) })
	return true
}

// opening records the end of an accepted connection's opening. It runs
// once, within openOnce.
func (c *conn) opening(err error) {
	c.openErr = err
	if err == nil {
		c.opened.Store(true)
		c.startKeepAlive()
	}
	c.leaveHalfOpen()
}

// leaveHalfOpen takes the connection out of its listener's half-open
// count, if it is in it.
func (c *conn) leaveHalfOpen() {
	if c.halfOpen.CompareAndSwap(true, false) {
		c.l.leaveHalfOpen()
	}
}

// accept reads OPEN and writes ACCEPT.
func (c *conn) accept(ctx context.Context) error {
	typ, payload, err := c.readFirst(ctx)
	return c.answerOpen(typ, payload, err)
}

// answerOpen checks the first chunk of an accepted connection (or the error
// of reading it) and answers ACCEPT with the windows of the Config.
func (c *conn) answerOpen(typ byte, payload []byte, err error) error {
	if err == nil && (typ != chunkOpen || string(payload) != version) {
		err = fmt.Errorf("the first chunk is 0x%02x %q, want OPEN %q", typ, payload, version)
	}
	if err == nil {
		// ACCEPT advertises the receive window to the peer.
		c.sess.SetWindowSize(c.cfg.SendWindow, c.cfg.ReceiveWindow)
		err = c.writeControl(chunkAccept, []byte(version))
	}
	if err != nil {
		return fmt.Errorf("%w: from %s: %w", ErrHandshake, c.RemoteAddr(), err)
	}
	return nil
}

// dial writes OPEN and reads ACCEPT, within ctx.
func (c *conn) dial(ctx context.Context) error {
	err := c.writeControl(chunkOpen, []byte(version))
	var typ byte
	var payload []byte
	if err == nil {
		typ, payload, err = c.readFirst(ctx)
	}
	if err == nil && (typ != chunkAccept || string(payload) != version) {
		err = fmt.Errorf("the first chunk is 0x%02x %q, want ACCEPT %q", typ, payload, version)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	c.opened.Store(true)
	c.startKeepAlive()
	return nil
}

// readFirst reads the first chunk, a control chunk, within ctx.
func (c *conn) readFirst(ctx context.Context) (typ byte, payload []byte, err error) {
	if err := c.lockRead(); err != nil {
		return 0, nil, err
	}
	defer c.unlockRead()
	if dl, ok := ctx.Deadline(); ok {
		c.sess.SetReadDeadline(dl)
	}
	woke := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.sess.SetReadDeadline(aLongTimeAgo)
		close(woke)
	})
	typ, payload, err = c.cr.next()
	if !stop() {
		<-woke
	}
	c.sess.SetReadDeadline(time.Time{})
	var ne net.Error
	switch {
	case err != nil && c.isClosed():
		err = net.ErrClosed
	case err != nil && ctx.Err() != nil:
		err = fmt.Errorf("no answer: %w", context.Cause(ctx))
	case err != nil && errors.As(err, &ne) && ne.Timeout():
		// The deadline is the context's, whose own timer may not have
		// fired yet.
		err = fmt.Errorf("no answer: %w", context.DeadlineExceeded)
	default:
		err = c.firstChunk(typ, err)
	}
	return typ, payload, err
}

// firstChunk checks the first chunk read, of type typ, or the error of
// reading it, and gives the connection its read buffer once it is right.
// The caller holds the read semaphore.
func (c *conn) firstChunk(typ byte, err error) error {
	switch {
	case err != nil:
		return c.readError(err)
	case typ == chunkData:
		return errors.New("the first chunk is DATA")
	}
	c.cr.r = bufio.NewReaderSize(c.sess, readBufferSize)
	return nil
}

// startKeepAlive starts the keep-alive goroutine of an opened connection.
func (c *conn) startKeepAlive() {
	if c.cfg.KeepAlive > 0 {
		c.wg.Add(1)
		go c.keepAlive()
	}
}

package quic

import (
	"errors"
	"io"
	"os"
	"time"
)

// Close closes the connection without losing what was written: it returns
// at once, and in the background the stream's write side is closed (the
// peer reads everything written, then io.EOF), then the connection waits
// for the peer to close its side, reading and dropping what the peer still
// sends, for at most Config.Linger, and only then closes the QUIC
// connection (and, for a dialed connection or the last connection of a
// closed listener, the UDP socket).
//
// A Conn has no CloseWrite: the stream's write side closes only with
// Close, so the peer closing its side tells that it is done with the whole
// connection, and everything it wanted from this side has arrived. A peer
// that does not close within the linger may miss the tail of the data.
//
// A Read or Write blocked in another goroutine returns at once with an
// error wrapping [net.ErrClosed], as do later calls of Read, Write and the
// deadline setters. Close returns nil, also when called again.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return nil
	}
	c.closed.Store(true)
	close(c.closing)
	if st := c.stream.Load(); st != nil {
		// Wake a blocked Read and Write; finish takes their locks next.
		now := time.Now()
		st.SetReadDeadline(now)
		st.SetWriteDeadline(now)
	}
	c.mu.Unlock()
	go c.finish()
	return nil
}

// finish is the end of a closed connection, in a goroutine of its own that
// Close starts: FIN, linger, CONNECTION_CLOSE, and the socket let go. It
// always ends: the linger is bounded, and closing a QUIC connection does
// not wait for the peer.
func (c *Conn) finish() {
	defer c.release()
	if c.switched != nil {
		<-c.switched // a 0-RTT switch ends at once on close
	}
	st := c.stream.Load()
	if st == nil {
		// An accepted connection whose stream never came: nothing to deliver.
		c.qc.CloseWithError(codeNoStreamYet, "closed")
		return
	}
	c.wmu.Lock()
	st.Close() // FIN, after the data written
	c.wmu.Unlock()

	c.rmu.Lock()
	linger := c.cfg.linger()
	st.SetReadDeadline(time.Now().Add(linger))
	_, err := io.Copy(io.Discard, st)
	c.rmu.Unlock()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if log := c.cfg.Logger; log != nil {
			log.Warn("transport/quic: the peer did not close within the linger; closing the connection anyway",
				"remote", c.RemoteAddr().String(), "linger", linger)
		}
	}
	c.qc.CloseWithError(codeNoError, "")
}

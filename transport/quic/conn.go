package quic

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	quicgo "github.com/quic-go/quic-go"
)

// Conn is one dmicro session over QUIC: the connection's single
// bidirectional stream, with the connection's addresses. Dial returns a
// *Conn whose stream is open; Accept returns one whose stream arrives
// later, in [Conn.HandshakeContext] or on the first Read or Write.
//
// Read and Write may be called from different goroutines, and Close and the
// deadline setters from any goroutine. Read returns [io.EOF] after all the
// peer wrote, once the peer closed its Conn. Read and Write after Close
// return an error wrapping [net.ErrClosed]; deadline errors wrap
// [os.ErrDeadlineExceeded]; the error of a QUIC connection that ended
// otherwise (closed by the peer's QUIC layer, the idle timeout, a protocol
// error) is a [net.Error] that is not a timeout, in which errors.As finds
// quic-go's error.
type Conn struct {
	qc      *quicgo.Conn
	cfg     *Config
	release func() // lets go of the UDP socket; called once, after qc closed

	stream atomic.Pointer[quicgo.Stream] // nil until the stream is accepted

	hsMu   sync.Mutex // serialises HandshakeContext
	hsDone bool
	hsErr  error

	rmu sync.Mutex // serialises Read, and the drain after Close
	wmu sync.Mutex // serialises Write, the FIN and a 0-RTT switch

	// While 0-RTT is unconfirmed, Write keeps what it wrote, to send it
	// again on a new stream if the server rejects 0-RTT (see early.go).
	// Guarded by wmu.
	recording bool
	replay    []byte
	switched  chan struct{} // closed when the 0-RTT phase ends; nil without one

	mu       sync.Mutex    // serialises Close, publish and the deadline setters
	closed   atomic.Bool   // set under mu; read anywhere
	rdl, wdl time.Time     // guarded by mu
	closing  chan struct{} // closed by Close
}

var _ net.Conn = (*Conn)(nil)

// newConn wraps qc. A nil stream is accepted later (the server side).
func newConn(qc *quicgo.Conn, st *quicgo.Stream, cfg *Config, release func()) *Conn {
	c := &Conn{qc: qc, cfg: cfg, release: release, closing: make(chan struct{})}
	if st != nil {
		c.stream.Store(st)
	}
	return c
}

// Read reads from the stream. It returns [io.EOF] once the peer closed its
// Conn and everything it wrote before has been read.
func (c *Conn) Read(p []byte) (int, error) {
	st, err := c.streamFor("read")
	if err != nil {
		return 0, err
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		if c.isClosed() {
			return 0, closedError("read")
		}
		n, err := st.Read(p)
		if err != nil && errors.Is(err, quicgo.Err0RTTRejected) {
			if next := c.afterSwitch(st); next != nil {
				st = next
				continue
			}
		}
		return n, c.opError("read", err)
	}
}

// Write writes to the stream. It returns once the stream has taken the
// data, which QUIC then delivers in order; Close does not lose it.
func (c *Conn) Write(p []byte) (int, error) {
	if _, err := c.streamFor("write"); err != nil {
		return 0, err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosed() {
		return 0, closedError("write")
	}
	st := c.stream.Load() // the stream now: a 0-RTT switch may have replaced the one streamFor saw
	recorded := c.recording
	if recorded {
		c.replay = append(c.replay, p...)
	}
	n, err := st.Write(p)
	if err != nil && recorded && errors.Is(err, quicgo.Err0RTTRejected) {
		return len(p), nil // the switch to a new stream writes it again
	}
	return n, c.opError("write", err)
}

// opError maps an error of the stream: io.EOF as is, errors after Close to
// net.ErrClosed, deadlines to an error wrapping os.ErrDeadlineExceeded, and
// the rest to a *connError.
func (c *Conn) opError(op string, err error) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case c.isClosed():
		return closedError(op)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("transport/quic: %s: %w", op, os.ErrDeadlineExceeded)
	}
	return &connError{op: op, err: err}
}

func (c *Conn) isClosed() bool { return c.closed.Load() }

// LocalAddr returns the local address of the UDP socket.
func (c *Conn) LocalAddr() net.Addr { return c.qc.LocalAddr() }

// RemoteAddr returns the peer's UDP address.
func (c *Conn) RemoteAddr() net.Addr { return c.qc.RemoteAddr() }

// ConnectionState returns the TLS state of the connection: version,
// negotiated protocol, the peer's certificates. On an accepted connection
// of a listener with Allow0RTT, it is complete only once the handshake is.
func (c *Conn) ConnectionState() tls.ConnectionState { return c.qc.ConnectionState().TLS }

// SetDeadline sets the read and write deadlines, as [net.Conn] says.
func (c *Conn) SetDeadline(t time.Time) error {
	return c.setDeadline("set deadline", t, true, true)
}

// SetReadDeadline sets the deadline of Read, also of one blocked now. A
// zero t means none.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.setDeadline("set read deadline", t, true, false)
}

// SetWriteDeadline sets the deadline of Write, also of one blocked now. A
// zero t means none.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.setDeadline("set write deadline", t, false, true)
}

func (c *Conn) setDeadline(op string, t time.Time, read, write bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return closedError(op)
	}
	st := c.stream.Load()
	if read {
		c.rdl = t
		if st != nil {
			st.SetReadDeadline(t)
		}
	}
	if write {
		c.wdl = t
		if st != nil {
			st.SetWriteDeadline(t)
		}
	}
	return nil
}

// publish makes st the connection's stream, with the deadlines set so far,
// unless the connection is closed.
func (c *Conn) publish(st *quicgo.Stream) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	st.SetReadDeadline(c.rdl)
	st.SetWriteDeadline(c.wdl)
	c.stream.Store(st)
	return true
}

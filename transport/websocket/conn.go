package websocket

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// conn is a WebSocket connection as a net.Conn: a byte stream carried in
// binary messages. Reads stream across message boundaries; each Write is
// sent as one message, or as several when it is longer than the message
// limit.
//
// Reads go through websocket.NetConn, which streams a message across Reads
// and applies read deadlines. Writes call the websocket.Conn directly, each
// bounded by a context with the write deadline of that Write: NetConn's
// write timer stays armed after a Write and, when it fires as the next
// Write starts (as with writes every WriteTimeout), would close a healthy
// connection. conn also gives the TCP addresses of dialed connections,
// timeout errors that are net.Errors, and a Close whose closing handshake is
// bounded.
//
// Read and Write may be called concurrently with each other and with
// Close, as with any net.Conn.
type conn struct {
	ws *websocket.Conn
	rd net.Conn // websocket.NetConn(ctx, ws, MessageBinary), for reads

	// ctx is the conn's own: it bounds reads and writes and ends with
	// Close, never with an HTTP request.
	ctx    context.Context
	cancel context.CancelFunc

	local, remote net.Addr
	maxWrite      int // the largest message written; <= 0: no limit
	closeTimeout  time.Duration
	guard         *guardConn // under ws on the server side; nil when dialed

	wmu sync.Mutex // keeps the messages of one Write together

	// Deadlines as Unix nanoseconds, 0 for none.
	readDeadline, writeDeadline atomic.Int64

	closed atomic.Bool
}

var _ net.Conn = (*conn)(nil)

// newConn wraps ws. local and remote are the addresses of the TCP
// connection under ws, nil to ask ws (which knows them for accepted
// connections only). guard is the connection ws reads from on the server
// side, nil when dialed.
func newConn(ws *websocket.Conn, s *settings, local, remote net.Addr, guard *guardConn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	rd := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	ws.SetReadLimit(s.readLimit()) // after NetConn, which lifts the limit
	if local == nil {
		local = rd.LocalAddr()
	}
	if remote == nil {
		remote = rd.RemoteAddr()
	}
	return &conn{
		ws:           ws,
		rd:           rd,
		ctx:          ctx,
		cancel:       cancel,
		local:        local,
		remote:       remote,
		maxWrite:     s.MaxMessageSize,
		closeTimeout: s.CloseTimeout,
		guard:        guard,
	}
}

// Read reads the stream. It returns io.EOF when the peer closed the
// connection with status 1000 (normal closure) or 1001 (going away). A text
// message closes the connection with status 1003 (unsupported data), and a
// message over the size limit with status 1009 (message too big); the Read
// then fails. On the server side, a frame header that breaks RFC 6455 (an
// unmasked frame, a 64-bit length with its top bit set, ...) closes the
// connection with status 1002 (protocol error), and one that takes its
// message over the limit with 1009, before its payload is read.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.rd.Read(p)
	if err != nil && err != io.EOF {
		if f := c.fault(); f != nil {
			c.closeWith(f.code, f.reason)
			return n, f
		}
		err = c.opError("read", err, &c.readDeadline)
	}
	return n, err
}

// fault returns the fault that the client's frames showed, if any.
func (c *conn) fault() *frameFault {
	if c.guard == nil {
		return nil
	}
	return c.guard.fault.Load()
}

// Write sends p in binary messages of at most the size limit. Concurrent
// Writes do not interleave. A write deadline applies to the Writes that
// start after it is set.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ctx := c.ctx
	if d := c.writeDeadline.Load(); d != 0 {
		if time.Now().UnixNano() >= d {
			return 0, c.opError("write", context.DeadlineExceeded, &c.writeDeadline)
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Unix(0, d))
		defer cancel()
	}
	n := 0
	for len(p) > 0 {
		chunk := p
		if c.maxWrite > 0 && len(chunk) > c.maxWrite {
			chunk = chunk[:c.maxWrite]
		}
		if err := c.ws.Write(ctx, websocket.MessageBinary, chunk); err != nil {
			return n, c.opError("write", err, &c.writeDeadline)
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// opError wraps err, the failure of op, with the package's prefix. A
// failure at or after the operation's deadline wraps os.ErrDeadlineExceeded
// instead, a net.Error whose Timeout is true, as the net package's conns do.
func (c *conn) opError(op string, err error, deadline *atomic.Int64) error {
	if d := deadline.Load(); d != 0 && time.Now().UnixNano() >= d {
		return fmt.Errorf("transport/websocket: %s: %w (%v)", op, os.ErrDeadlineExceeded, err)
	}
	return fmt.Errorf("transport/websocket: %s: %w", op, err)
}

// Close closes the connection with status 1000 (normal closure).
func (c *conn) Close() error {
	return c.closeWith(websocket.StatusNormalClosure, "")
}

// closeWith sends a close frame with code and reason and waits for the
// peer's answer for at most closeTimeout, then closes the TCP connection. It
// returns nil the first time, whether or not the peer answered, and an
// error wrapping net.ErrClosed after that.
func (c *conn) closeWith(code websocket.StatusCode, reason string) error {
	if c.closed.Swap(true) {
		return fmt.Errorf("transport/websocket: close: %w", net.ErrClosed)
	}
	// Ending ctx closes the connection under a read or write in progress,
	// which is what ends a closing handshake that the peer leaves
	// unanswered (coder/websocket itself would wait 5 s).
	force := time.AfterFunc(c.closeTimeout, c.cancel)
	c.ws.Close(code, reason)
	force.Stop()
	c.rd.Close() // stops NetConn's timers; the WebSocket is already closed
	c.cancel()
	return nil
}

// LocalAddr returns the local address of the TCP connection.
func (c *conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the remote address of the TCP connection.
func (c *conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines. Unlike a TCP conn's, a
// deadline that passes during a Read or Write closes the connection:
// coder/websocket cannot interrupt a read or write otherwise.
func (c *conn) SetDeadline(t time.Time) error {
	c.writeDeadline.Store(unixNano(t))
	return c.SetReadDeadline(t)
}

// SetReadDeadline sets the read deadline; see SetDeadline.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.readDeadline.Store(unixNano(t))
	return c.rd.SetReadDeadline(t)
}

// SetWriteDeadline sets the write deadline of the Writes that start after
// it; see SetDeadline.
func (c *conn) SetWriteDeadline(t time.Time) error {
	c.writeDeadline.Store(unixNano(t))
	return nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

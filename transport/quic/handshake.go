package quic

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	quicgo "github.com/quic-go/quic-go"
)

// preface is what a dialer writes first on its stream. A QUIC stream
// becomes visible to the peer only once data flows on it, so the dialer
// sends these bytes at once, and the server checks them before it hands
// the stream to its caller.
const preface = "dmicro-quic/1\n"

// HandshakeContext waits, on an accepted connection, for the client's
// stream and checks its preface, under ctx. The QUIC handshake itself has
// completed by the time Accept returns the connection, so this is the lazy
// part of accepting, which a server runs in the connection's own goroutine,
// as the rpc package does, so that one slow client never holds up Accept.
// Without a call, the first Read or Write does it, under its deadline.
//
// It returns nil at once on a dialed connection and after a successful
// call. A failure is final: ctx ending (the error wraps its cause), the
// connection closing, or a stream that does not start with the preface (the
// error wraps [ErrBadPreface], and the connection is closed with an error
// the client sees). It is safe for concurrent use; a second call waits for
// the first.
func (c *Conn) HandshakeContext(ctx context.Context) error {
	if c.stream.Load() != nil {
		return nil
	}
	c.hsMu.Lock()
	defer c.hsMu.Unlock()
	if !c.hsDone {
		c.hsErr = c.handshake(ctx)
		c.hsDone = true
	}
	return c.hsErr
}

func (c *Conn) handshake(ctx context.Context) error {
	remote := c.RemoteAddr().String()
	if c.isClosed() {
		return closedError("handshake")
	}
	st, err := c.qc.AcceptStream(ctx)
	if err != nil {
		return c.handshakeError(ctx, "waiting for the client's stream", err)
	}
	var buf [len(preface)]byte
	if err := readPreface(ctx, st, buf[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			c.qc.CloseWithError(codeBadPreface, ErrBadPreface.Error())
			return fmt.Errorf("%w from %s: the stream ended after %q", ErrBadPreface, remote, bytes.TrimRight(buf[:], "\x00"))
		}
		return c.handshakeError(ctx, "reading the preface", err)
	}
	if string(buf[:]) != preface {
		c.qc.CloseWithError(codeBadPreface, ErrBadPreface.Error())
		return fmt.Errorf("%w from %s: got %q, want %q (not a dmicro QUIC client?)", ErrBadPreface, remote, buf[:], preface)
	}
	if !c.publish(st) {
		return closedError("handshake")
	}
	return nil
}

// handshakeError says why waiting for the stream or its preface failed.
func (c *Conn) handshakeError(ctx context.Context, what string, err error) error {
	if c.isClosed() {
		return closedError("handshake")
	}
	if ctx.Err() != nil {
		return fmt.Errorf("transport/quic: handshake with %s: %s: %w", c.RemoteAddr(), what, context.Cause(ctx))
	}
	return &connError{op: "handshake with " + c.RemoteAddr().String() + ": " + what, err: err}
}

// readPreface fills buf from st under ctx. Nobody else uses st yet.
func readPreface(ctx context.Context, st *quicgo.Stream, buf []byte) error {
	if dl, ok := ctx.Deadline(); ok {
		st.SetReadDeadline(dl)
	}
	var mu sync.Mutex
	done := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			st.SetReadDeadline(time.Now())
		}
	})
	_, err := io.ReadFull(st, buf)
	stop()
	mu.Lock()
	done = true
	mu.Unlock()
	return err
}

// streamFor returns the stream for op, accepting it first on a server
// connection that has none yet, under the deadline of op.
func (c *Conn) streamFor(op string) (*quicgo.Stream, error) {
	if st := c.stream.Load(); st != nil {
		return st, nil
	}
	c.mu.Lock()
	closed, dl := c.closed.Load(), c.rdl
	if op == "write" {
		dl = c.wdl
	}
	c.mu.Unlock()
	if closed {
		return nil, closedError(op)
	}
	ctx := context.Background()
	if !dl.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	if err := c.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return c.stream.Load(), nil
}

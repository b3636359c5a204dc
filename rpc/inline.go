package rpc

import (
	"time"
)

// The reader's states (conn.readerState).
const (
	readerReading int32 = iota
	readerInline
	readerHandedOff
)

// inlineBudget is how long a handler runs in the reader's goroutine before
// a new reader takes over the connection.
const inlineBudget = 500 * time.Microsecond

// errHandedOff ends a reader whose reading another goroutine took over.
var errHandedOff = NewStatus(CodeInternal, "rpc: the reading moved to another goroutine")

// inline runs the handler of in, a call with nothing else in flight on the
// connection and nothing more to read, in the reader's own goroutine: the
// reply goes out without waking a worker, which on a multi-core machine
// means waking another thread, the larger share of a lone call's cost on a
// server. If the handler runs longer than inlineBudget (it blocks, or it
// waits for something only this connection brings, such as its own cancel
// or the reply to a call it made back to the peer), a timer starts a new
// reader, and inline reports that this goroutine must stop reading when the
// handler returns.
func (c *conn) inline(in *inbound) (handedOff bool) {
	c.readerState.Store(readerInline)
	if c.takeover == nil {
		c.takeover = time.AfterFunc(inlineBudget, c.takeOver)
	} else {
		c.takeover.Reset(inlineBudget)
	}
	c.serveCall(in)
	c.takeover.Stop()
	return !c.readerState.CompareAndSwap(readerInline, readerReading)
}

// takeOver starts a new reader for a connection whose reader has been
// running a handler for inlineBudget. The new reader claims the reading,
// and the reader's place (see owner.go), only if the handler has not
// returned in the meantime. If the endpoint is closing and starts no
// goroutine, the handler's goroutine reads on when the handler returns.
func (c *conn) takeOver() {
	c.ep.owner.takeOver(func() (took, passedOn bool) {
		if !c.readerState.CompareAndSwap(readerInline, readerHandedOff) {
			return false, false // the handler returned first and reads on
		}
		return true, c.readLoop()
	})
}

// abandonInlineReader ends the reading of a closed connection whose reader
// is running an inline handler: the endpoint stops waiting for that
// goroutine, which from now on runs only a handler (handlers may outlive
// Close), and the connection is torn down here instead of at the end of
// its reader. The handler's goroutine then returns without reading.
func (c *conn) abandonInlineReader() {
	if !c.readerState.CompareAndSwap(readerInline, readerHandedOff) {
		return
	}
	c.s.connEnded(c, c.closeErr)
	c.ep.untrackConn(c)
	c.ep.owner.abandonReader()
}

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

// inlineQuick is how long a handler may run in the reader's goroutine and
// still be called quick: one that runs longer slowStreak times in a row
// (or once past inlineBudget) runs on workers for its next slowRuns calls,
// so that handlers which work or wait for long run side by side rather
// than one after another. One slow run is not enough: on a busy machine
// the reader's thread is now and then descheduled in the middle of a
// handler.
const (
	inlineQuick = 50 * time.Microsecond
	slowStreak  = 4
)

// slowRuns is how many calls a handler found slow runs on workers, each
// quick run counting one, before the reader tries running it itself again.
const slowRuns = 1024

// errHandedOff ends a reader whose reading another goroutine took over.
var errHandedOff = NewStatus(CodeInternal, "rpc: the reading moved to another goroutine")

// Why a reader runs handlers itself. Handing a call to a worker and its
// reply to the flusher wakes two goroutines, and on a multi-core machine
// another thread, for each call; a handler that answers in a few
// microseconds costs less than that. So the reader runs two kinds of calls
// in its own goroutine:
//
//   - a lone call (nothing else in flight on the connection, nothing more
//     to read), whatever its handler: its reply is written by the reader
//     itself;
//   - a call of a quick handler (see inlineQuick) that gets its running
//     slots without waiting, on a connection whose framer tells whether
//     its next frame has arrived whole (wire.BufferedFramer): when more
//     frames are waiting, its reply is queued and held back
//     (writer.deferFlush) until the reader reaches a frame that has not
//     arrived whole, so that the replies to a batch of calls read together
//     go out in one write. (With other framers the replies could not be
//     held back, and each would cost a write of its own.)
//
// A watchdog timer (conn.watch) starts a new reader when a handler runs
// longer than inlineBudget (it blocks, or it waits for something only this
// connection brings, such as its own cancel or the reply to a call it made
// back to the peer); the goroutine then stops reading when the handler
// returns, and the run counts as a slow one. The timer is armed once per
// run of inline calls, not once per call.

// inline runs the handler of in in the reader's own goroutine; acquired
// says it holds its running slots already. It reports whether the reading
// moved to another goroutine meanwhile: this goroutine must then stop
// reading.
func (c *conn) inline(in *inbound, acquired bool) (handedOff bool) {
	h := in.h
	if !c.deferring && c.nextBuffered() {
		c.deferring = true
		c.w.deferFlush()
	}
	// From here on, until the state changes back, a new reader may take
	// the reader's fields over: this goroutine touches none of them.
	c.inlineAt.Store(int64(in.start))
	c.readerState.Store(readerInline)
	c.armWatch(inlineBudget)
	var ran time.Duration
	if acquired {
		ran = c.serveAcquired(in, in.start)
	} else {
		ran = c.serveCall(in, in.start)
	}
	handedOff = !c.readerState.CompareAndSwap(readerInline, readerReading)
	switch {
	case ran < 0 && !handedOff:
		// Refused before it ran: nothing learnt.
	case !handedOff && ran <= time.Duration(c.ep.quickRun.Load()):
		h.slowStreak.Store(0)
		if h.slow.Load() > 0 {
			h.slow.Add(-1) // a lone call of a slow handler, quick this time
		}
	case h.slowStreak.Add(1) >= slowStreak:
		h.slow.Store(slowRuns)
	}
	if handedOff {
		c.w.endDeferral() // the new reader may be waiting for the network
	}
	return handedOff
}

// serveWorkerCall runs a call on a worker. A handler found slow earns its
// way back to the reader with quick runs.
func (c *conn) serveWorkerCall(in *inbound) {
	h := in.h
	since := time.Duration(-1)
	if !h.quick() {
		since = sinceAcquired
	}
	if ran := c.serveCall(in, since); ran >= 0 && ran <= time.Duration(c.ep.quickRun.Load()) {
		h.slow.Add(-1)
	}
}

// quick reports whether h's handler may run in the reader's goroutine.
func (h *handler) quick() bool { return h.slow.Load() <= 0 }

// nextBuffered reports whether the next frame has arrived whole; false
// when the framer cannot tell. (A wire.Pender's pending messages do not
// count: such a framer may wait for the answers to what it read before it
// reads on.)
func (c *conn) nextBuffered() bool {
	return c.bframer != nil && c.bframer.FrameBuffered()
}

// armWatch arms the watchdog to fire in d unless it is armed already.
func (c *conn) armWatch(d time.Duration) {
	if c.watchArmed.CompareAndSwap(false, true) {
		c.watchdog.Reset(d)
	}
}

// watch is the watchdog: it starts a new reader if the reader has been
// running the same handler for inlineBudget, and re-arms itself while the
// reader runs handlers. A reader that starts an inline handler arms it if
// it is not armed; between the two, every inline run is watched.
func (c *conn) watch() {
	c.watchArmed.Store(false)
	if c.readerState.Load() != readerInline {
		return
	}
	if ran := c.ep.now() - time.Duration(c.inlineAt.Load()); ran < inlineBudget {
		c.armWatch(inlineBudget - ran)
		return
	}
	c.takeOver()
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

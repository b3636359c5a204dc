package rpc

import (
	"context"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// inbound is one call or push being handled. It is also the handler's
// context.Context, so that a call costs no context allocation: it ends at
// the caller's deadline, on a cancel frame, when the session ends, and when
// the handler returns.
type inbound struct {
	cc   CallCtx
	pc   PushCtx
	conn *conn
	w    *wire.Message // the request frame; owned until the handler returns
	h    *handler
	msg  Message // the hook view of the request

	replyMeta  wire.Metadata
	replyCodec byte
	start      time.Time

	mu       sync.Mutex
	done     chan struct{} // made on first use
	err      error
	deadline time.Time
	timer    *time.Timer
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func newInbound(c *conn, w *wire.Message) *inbound {
	in := &inbound{conn: c, w: w}
	in.cc.in, in.pc.in = in, in
	in.msg = Message{w: w, sess: c.s, ctx: in}
	if w.Timeout > 0 {
		in.deadline = time.Now().Add(w.Timeout)
		in.timer = time.AfterFunc(w.Timeout, func() { in.cancel(context.DeadlineExceeded) })
	}
	return in
}

// Deadline implements context.Context.
func (in *inbound) Deadline() (time.Time, bool) { return in.deadline, !in.deadline.IsZero() }

// Done implements context.Context.
func (in *inbound) Done() <-chan struct{} {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done == nil {
		if in.err != nil {
			return closedChan
		}
		in.done = make(chan struct{})
	}
	return in.done
}

// Err implements context.Context.
func (in *inbound) Err() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.err
}

// Value implements context.Context with the session's values.
func (in *inbound) Value(key any) any { return in.conn.s.ctx.Value(key) }

// cancel ends the context with err; later calls do nothing.
func (in *inbound) cancel(err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.err != nil {
		return
	}
	in.err = err
	if in.done != nil {
		close(in.done)
	}
	if in.timer != nil {
		in.timer.Stop()
	}
}

// String makes the context print usefully.
func (in *inbound) String() string { return "rpc.CallCtx(" + in.w.Method + ")" }

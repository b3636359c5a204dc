package rpc

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// inbound is one call or push being handled. It is also the handler's
// context.Context, so that a call costs no context allocation: it ends at
// the caller's deadline, on a cancel frame, when the connection ends, and
// when the handler returns. Its Err is context.Canceled or
// context.DeadlineExceeded, as Go's contexts promise; context.Cause gives
// the reason (see [ErrCallerCanceled] and the errors next to it). The
// deadline is checked lazily: Err compares it with the clock, and a timer
// is armed only when someone waits on Done, which most handlers never do.
type inbound struct {
	cc    CallCtx
	pc    PushCtx
	conn  *conn
	w     *wire.Message // the request frame; owned until the handler returns
	h     *handler
	msg   Message         // the hook view of the request
	reply Message         // the hook view of the reply
	hctx  context.Context // the context an interceptor handed to the handler; nil: in itself

	admitted   bool // it holds handler places and counts as in flight
	replyMeta  wire.Metadata
	replyCodec byte
	scratch    [2]*[]byte    // filter buffers from bodyPool, when filters are used
	start      time.Duration // when it was read, on the endpoint's clock (Endpoint.now)

	mu       sync.Mutex
	done     chan struct{} // made on first use
	err      error         // context.Canceled or context.DeadlineExceeded once ended
	cause    error         // why it ended
	causeCtx context.Context
	deadline time.Time
	timer    *time.Timer
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func newInbound(c *conn, w *wire.Message) *inbound {
	in := &inbound{conn: c, w: w}
	in.cc.in, in.pc.in = in, in
	in.msg = Message{w: w, sess: c.s, ctx: in, in: in}
	if w.Timeout > 0 {
		in.deadline = time.Now().Add(w.Timeout)
	}
	return in
}

// handlerCtx returns the context the handler sees.
func (in *inbound) handlerCtx() context.Context {
	if in.hctx != nil {
		return in.hctx
	}
	return in
}

// Deadline implements context.Context.
func (in *inbound) Deadline() (time.Time, bool) { return in.deadline, !in.deadline.IsZero() }

// Done implements context.Context.
func (in *inbound) Done() <-chan struct{} {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done != nil {
		return in.done
	}
	if in.expiredLocked() {
		return closedChan
	}
	in.done = make(chan struct{})
	if !in.deadline.IsZero() {
		in.timer = time.AfterFunc(time.Until(in.deadline), in.expire)
	}
	return in.done
}

// Err implements context.Context: nil, context.Canceled or
// context.DeadlineExceeded.
func (in *inbound) Err() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.expiredLocked()
	return in.err
}

// ended returns the reason the context ended, or nil.
func (in *inbound) ended() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.expiredLocked()
	return in.cause
}

// expiredLocked ends the context if its deadline has passed, and reports
// whether it has ended.
func (in *inbound) expiredLocked() bool {
	if in.err == nil && !in.deadline.IsZero() && !time.Now().Before(in.deadline) {
		in.endLocked(ErrCallerDeadline)
	}
	return in.err != nil
}

func (in *inbound) expire() { in.cancel(ErrCallerDeadline) }

// Value implements context.Context. A handler's context carries no values
// of its own (an interceptor adds them by handing the handler a derived
// context). Once it has ended, it answers as a context cancelled with its
// cause, which is how context.Cause finds the reason.
func (in *inbound) Value(key any) any {
	in.mu.Lock()
	if in.err == nil {
		in.mu.Unlock()
		return in.conn.s.ctx.Value(key)
	}
	if in.causeCtx == nil {
		// Only this form of context can tell context.Cause a cause; it is
		// made once, and only when asked after the end.
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(in.cause)
		in.causeCtx = ctx
	}
	ctx := in.causeCtx
	in.mu.Unlock()
	return ctx.Value(key)
}

// cancel ends the context with cause; later calls do nothing. Its Err is
// context.DeadlineExceeded when the cause is a deadline, else
// context.Canceled.
func (in *inbound) cancel(cause error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.expiredLocked()
	in.endLocked(cause)
}

func (in *inbound) endLocked(cause error) {
	if in.err != nil {
		return
	}
	in.err, in.cause = context.Canceled, cause
	if errors.Is(cause, context.DeadlineExceeded) {
		in.err = context.DeadlineExceeded
	}
	if in.done != nil {
		close(in.done)
	}
	if in.timer != nil {
		in.timer.Stop()
	}
}

// String makes the context print usefully.
func (in *inbound) String() string { return "rpc.CallCtx(" + in.w.Method + ")" }

// unfilter undoes the request's transfer filters, so that hooks, the
// handler and RawBody see the plain body.
func (in *inbound) unfilter() error {
	if len(in.w.Filters) == 0 || len(in.w.Body) == 0 {
		return nil
	}
	var bufs [2][]byte
	for i := range in.scratch {
		if in.scratch[i] == nil {
			in.scratch[i] = getBody()
		}
		bufs[i] = *in.scratch[i]
	}
	e := in.conn.ep
	plain, err := e.filters.undo(in.w.Filters, in.w.Body, e.cfg.MaxMessageSize, &bufs, in.w, e.budget)
	for i := range bufs {
		*in.scratch[i] = bufs[i]
	}
	if err != nil {
		return err
	}
	in.w.Body = plain
	return nil
}

// releaseScratch gives the filter buffers back.
func (in *inbound) releaseScratch() {
	for i, b := range in.scratch {
		if b != nil {
			putBody(b)
			in.scratch[i] = nil
		}
	}
}

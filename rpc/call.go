package rpc

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// outCall is one call or push on its way out. It is pooled: a call costs
// no allocation of its own.
type outCall struct {
	w       wire.Message  // the outgoing frame
	msg     Message       // the hook view of the call
	rmsg    Message       // the hook view of the reply
	opts    callOptions   // the caller's options
	body    []byte        // reusable encode buffer
	scratch [2][]byte     // reusable filter buffers
	done    chan struct{} // the reader or a failing conn signals once
	reply   *wire.Message // set by the reader
	err     *Status       // set by a failing conn
}

var outCallPool = sync.Pool{New: func() any { return &outCall{done: make(chan struct{}, 1)} }}

func getOutCall() *outCall { return outCallPool.Get().(*outCall) }

func putOutCall(oc *outCall) {
	oc.w.Reset()
	oc.opts.meta.Reset()
	oc.opts = callOptions{meta: oc.opts.meta}
	oc.msg, oc.rmsg = Message{}, Message{}
	if oc.reply != nil {
		putWire(oc.reply)
	}
	oc.reply, oc.err = nil, nil
	if cap(oc.body) > maxPooledBody {
		oc.body = nil
	}
	for i := range oc.scratch {
		if cap(oc.scratch[i]) > maxPooledBody {
			oc.scratch[i] = nil
		}
	}
	outCallPool.Put(oc)
}

// Call calls method on the peer with arg and decodes the reply into reply
// (a pointer, or nil to ignore the reply). It returns nil on success, else a
// *Status (see [CodeOf]). The context's deadline travels to the peer, where
// it bounds the handler; when ctx ends first, Call returns at once with
// CodeCanceled or CodeDeadlineExceeded and tells the peer. The endpoint's
// [CallInterceptor]s wrap the call.
func (s *Session) Call(ctx context.Context, method string, arg, reply any, opts ...CallOption) error {
	oc := getOutCall()
	oc.begin(s, ctx, wire.TypeCall, method, arg, opts)
	var err error
	if invoke := s.ep.invoke; invoke != nil {
		err = statusErr(invoke(ctx, &oc.msg, reply))
	} else {
		err = s.call(ctx, oc, reply)
	}
	putOutCall(oc)
	return err
}

// statusErr converts what an interceptor returned into the caller's error.
func statusErr(err error) error {
	if st := StatusOf(err); st != nil {
		return st
	}
	return nil
}

// begin sets up oc for a call or push: options, method and metadata, and
// the hook view that interceptors get.
func (oc *outCall) begin(s *Session, ctx context.Context, t wire.Type, method string, arg any, opts []CallOption) {
	if len(opts) > 0 {
		collectOptions(&oc.opts, opts)
	}
	oc.w.Type, oc.w.Method = t, method
	if oc.opts.meta.Len() > 0 {
		oc.w.Meta.CopyFrom(&oc.opts.meta)
	}
	oc.msg = Message{w: &oc.w, sess: s, ctx: ctx, body: arg, oc: oc}
}

// sendIntercepted is the innermost InvokeFunc of the call interceptors'
// chain: it sends the call or push m stands for.
func sendIntercepted(ctx context.Context, m *Message, reply any) error {
	if m.w.Type == wire.TypeCall {
		return m.sess.call(ctx, m.oc, reply)
	}
	return m.sess.push(ctx, m.oc)
}

// call sends the call oc holds and waits for its reply. It may run more than
// once for one oc, when an interceptor retries.
func (s *Session) call(ctx context.Context, oc *outCall, reply any) error {
	if oc.reply != nil {
		putWire(oc.reply)
	}
	oc.reply, oc.err = nil, nil
	if err := s.prepare(ctx, oc); err != nil {
		return err
	}
	c, err := s.sendNew(ctx, oc, true)
	if err != nil {
		return err
	}
	ps := s.ep.plugins
	if herr := runHook(ps.afterWriteCall, AfterWriteCallHook.AfterWriteCall, &oc.msg); herr != nil {
		s.ep.log.Warn("rpc: AfterWriteCall failed", "method", oc.w.Method, "err", herr)
	}
	select {
	case <-oc.done:
	case <-ctx.Done():
		if c.takePending(oc.w.Seq) != nil {
			st := ctxStatus(ctx)
			c.w.sendControl(&wire.Message{Type: wire.TypeCancel, Seq: oc.w.Seq, Code: int32(st.Code())}, false)
			c.maybeDrained()
			return st
		}
		<-oc.done // the reply is being handed over; take it
	}
	if oc.err != nil {
		return oc.err
	}
	return s.readReply(oc, reply)
}

// readReply runs the reply hooks and decodes the reply in the caller's goroutine.
func (s *Session) readReply(oc *outCall, reply any) error {
	r := oc.reply
	oc.reply = nil
	defer putWire(r)
	ps := s.ep.plugins
	m := &oc.rmsg
	*m = Message{w: r, method: oc.w.Method, sess: s, ctx: oc.msg.ctx, body: reply, status: statusFromWire(r.Code, r.Error)}
	if err := runHook(ps.afterReadReplyHdr, AfterReadReplyHeaderHook.AfterReadReplyHeader, m); err != nil {
		return StatusOf(err)
	}
	if err := runHook(ps.beforeReadReplyBody, BeforeReadReplyBodyHook.BeforeReadReplyBody, m); err != nil {
		return StatusOf(err)
	}
	if m.status == nil && len(r.Filters) > 0 {
		plain, err := s.ep.filters.undo(r.Filters, r.Body, s.ep.cfg.MaxMessageSize, &oc.scratch, r, s.ep.budget)
		if err != nil {
			m.status = StatusOf(err)
		} else {
			r.Body = plain
		}
	}
	if m.status == nil {
		if err := decodeBody(s.ep.codecs, r.Body, r.Codec, reply); err != nil {
			m.status = StatusOf(err)
		}
	}
	if err := runHook(ps.afterReadReplyBody, AfterReadReplyBodyHook.AfterReadReplyBody, m); err != nil {
		return StatusOf(err)
	}
	if md := oc.opts.replyMeta; md != nil {
		md.CopyFrom(&r.Meta)
	}
	if m.status != nil {
		return m.status
	}
	return nil
}

// prepare fills the outgoing frame: deadline and encoded body, and runs
// the before-write hook.
func (s *Session) prepare(ctx context.Context, oc *outCall) error {
	if err := ctx.Err(); err != nil {
		return ctxStatus(ctx)
	}
	e := s.ep
	w := &oc.w
	arg := oc.msg.body
	w.Timeout = 0
	if dl, ok := ctx.Deadline(); ok {
		w.Timeout = time.Until(dl)
		if w.Timeout <= 0 {
			return NewStatus(CodeDeadlineExceeded, "deadline passed before the call was sent")
		}
	}
	cd := e.defaultCodec
	if oc.opts.codec != "" {
		if cd = e.codecs.ByName(oc.opts.codec); cd == nil {
			return NewStatus(CodeCodec, "unknown codec "+oc.opts.codec)
		}
	}
	body, id, err := encodeBody(oc.body[:0], arg, cd)
	oc.body = body
	if err != nil {
		return err
	}
	fs := e.filters.dflt
	if oc.opts.filtersSet {
		if fs, err = e.filters.named(oc.opts.filters); err != nil {
			return WrapStatus(CodeInvalidArgument, "", err)
		}
	}
	if len(fs) > 0 && len(body) > 0 {
		if body, w.Filters, err = applyFilters(fs, body, &oc.scratch, w.Filters[:0]); err != nil {
			return err
		}
	}
	w.Body, w.Codec = body, id
	oc.msg.ctx = ctx
	var herr error
	if w.Type == wire.TypeCall {
		herr = runHook(e.plugins.beforeWriteCall, BeforeWriteCallHook.BeforeWriteCall, &oc.msg)
	} else {
		herr = runHook(e.plugins.beforeWritePush, BeforeWritePushHook.BeforeWritePush, &oc.msg)
	}
	if herr != nil {
		return StatusOf(herr)
	}
	return e.checkMeta(&w.Meta)
}

// sendNew queues a call (isCall) or push on the session's connection,
// moving to the next connection when the current one is going away.
func (s *Session) sendNew(ctx context.Context, oc *outCall, isCall bool) (*conn, error) {
	for {
		c, err := s.pick(ctx, oc.opts.waitForReady)
		if err != nil {
			return nil, notSent(err)
		}
		if isCall && !c.addPending(oc) {
			continue // closed under us; pick again
		}
		err = c.w.send(ctx, &oc.w, true)
		if err == nil {
			return c, nil
		}
		if isCall && c.takePending(oc.w.Seq) == nil {
			// The connection failed under us (or, rarely, answered):
			// whoever took the call signals oc.done. Take that signal
			// now, or it would wake the wait for the call's next attempt
			// (on another connection, or after an interceptor's retry)
			// or the next call to reuse oc, with no reply to read.
			<-oc.done
			if oc.reply != nil {
				oc.done <- struct{}{} // answered after all: the caller reads it
				return c, nil
			}
			oc.err = nil
		}
		if errors.Is(err, errMoved) {
			continue
		}
		// The writer refuses a frame before queuing it, never after: the
		// peer did not see it.
		if ctx.Err() != nil {
			return nil, notSent(ctxStatus(ctx))
		}
		return nil, notSent(err)
	}
}

// notSent returns err's status marked as a call or push that was not
// sent (see ErrNotSent), as a copy: statuses may be shared.
func notSent(err error) *Status {
	st := *StatusOf(err)
	st.notSent = true
	return &st
}

// Push sends a one-way message to method on the peer. It returns once the
// message is queued for the wire; there is no reply. Errors are *Status.
// The endpoint's [CallInterceptor]s wrap the push.
func (s *Session) Push(ctx context.Context, method string, arg any, opts ...CallOption) error {
	oc := getOutCall()
	defer putOutCall(oc)
	oc.begin(s, ctx, wire.TypePush, method, arg, opts)
	if invoke := s.ep.invoke; invoke != nil {
		return statusErr(invoke(ctx, &oc.msg, nil))
	}
	return s.push(ctx, oc)
}

func (s *Session) push(ctx context.Context, oc *outCall) error {
	if err := s.prepare(ctx, oc); err != nil {
		return err
	}
	if _, err := s.sendNew(ctx, oc, false); err != nil {
		return err
	}
	if herr := runHook(s.ep.plugins.afterWritePush, AfterWritePushHook.AfterWritePush, &oc.msg); herr != nil {
		s.ep.log.Warn("rpc: AfterWritePush failed", "method", oc.w.Method, "err", herr)
	}
	return nil
}

// Call is a call made with [Session.AsyncCall].
type Call struct {
	Method string
	Arg    any
	Reply  any
	done   chan struct{}
	err    error
}

// Done returns a channel closed when the call has finished.
func (c *Call) Done() <-chan struct{} { return c.done }

// Err waits for the call to finish and returns its error, like Session.Call.
func (c *Call) Err() error {
	<-c.done
	return c.err
}

// AsyncCall starts a call and returns at once; the call runs in a goroutine
// the endpoint owns until it finishes, ctx ends, or the session closes. On
// an endpoint that is closed it fails at once with CodeConnClosed.
func (s *Session) AsyncCall(ctx context.Context, method string, arg, reply any, opts ...CallOption) *Call {
	call := &Call{Method: method, Arg: arg, Reply: reply, done: make(chan struct{})}
	started := s.ep.owner.start(func() {
		defer close(call.done)
		call.err = s.Call(ctx, method, arg, reply, opts...)
	})
	if !started {
		call.err = errEndpointClosed
		close(call.done)
	}
	return call
}

// ctxStatus converts the end of ctx into a status, with the context's
// cause when it has one of its own.
func ctxStatus(ctx context.Context) *Status {
	err := ctx.Err()
	code := CodeCanceled
	if errors.Is(err, context.DeadlineExceeded) {
		code = CodeDeadlineExceeded
	}
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return WrapStatus(code, "", cause)
	}
	return &Status{code: code, cause: err}
}

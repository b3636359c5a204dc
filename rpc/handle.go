package rpc

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// onCall routes a call read by the reader and starts its handler on a
// worker (or runs it itself; see inline). Failures before the handler
// starts are answered from the reader, which costs no goroutine.
//
// It reports whether the reading moved to another goroutine while it ran
// the handler itself (see inline): the caller must then stop reading.
func (c *conn) onCall(m *wire.Message) (handedOff bool) {
	in := newInbound(c, m)
	e := c.ep
	in.start = e.now()
	if err := runHook(e.plugins.afterReadCallHeader, AfterReadCallHeaderHook.AfterReadCallHeader, &in.msg); err != nil {
		c.finishCall(in, nil, err)
		return false
	}
	in.h = e.router.lookup(m.Method, false)
	if in.h == nil {
		c.refuseCall(in, NewStatus(CodeNotFound, "no handler for "+m.Method))
		return false
	}
	if !c.admit(in) {
		c.refuseCall(in, errOverloaded)
		return false
	}
	if c.br.Buffered() == 0 && c.lone() {
		return c.inline(in, false)
	}
	if c.bframer != nil && in.h.quick() && c.tryAcquire() {
		return c.inline(in, true)
	}
	e.workers.run(in)
	return false
}

// onPush routes a push and starts its handler, like onCall; a push that
// cannot be handled is dropped with a log line, as there is no one to answer.
func (c *conn) onPush(m *wire.Message) {
	in := newInbound(c, m)
	e := c.ep
	in.start = e.now()
	if err := runHook(e.plugins.afterReadPushHeader, AfterReadPushHeaderHook.AfterReadPushHeader, &in.msg); err != nil {
		c.dropPush(in, err, false)
		return
	}
	in.h = e.router.lookup(m.Method, true)
	if in.h == nil {
		c.dropPush(in, NewStatus(CodeNotFound, "no handler for push "+m.Method), false)
		return
	}
	if !c.admit(in) {
		c.dropPush(in, errOverloaded, false)
		return
	}
	if c.acksPushes {
		c.replyStatus(in.w.Seq, nil) // accepted for handling
	}
	e.workers.run(in)
}

// admit reserves a handler place in the endpoint, the session and the
// peer's fair share, and registers the call for cancel frames.
func (c *conn) admit(in *inbound) bool {
	e := c.ep
	if !e.limit.admit() {
		return false
	}
	if !c.s.limit.admit() {
		e.limit.unadmit()
		return false
	}
	if e.limit != nil && !e.peers.admit(c.s.peer, e.limit.admitted.Load(), e.limit.max+e.limit.queue) {
		c.s.limit.unadmit()
		e.limit.unadmit()
		return false
	}
	c.active.Add(1)
	in.admitted = true
	c.imu.Lock()
	if in.w.Type == wire.TypeCall {
		c.inbound[in.w.Seq] = in
	} else {
		c.pushes[in] = struct{}{}
	}
	c.imu.Unlock()
	return true
}

// acquire waits for running slots. It fails when the call's context ended
// while it waited, and the places are given back.
func (c *conn) acquire(in *inbound) error {
	if err := c.s.limit.acquire(in); err != nil {
		c.s.limit.unadmit()
		c.ep.limit.unadmit()
		c.ep.peers.unadmit(c.s.peer)
		return err
	}
	if err := c.ep.limit.acquire(in); err != nil {
		c.s.limit.release()
		c.ep.limit.unadmit()
		c.ep.peers.unadmit(c.s.peer)
		return err
	}
	return nil
}

// tryAcquire takes running slots if they are free now, keeping the places
// admit reserved either way.
func (c *conn) tryAcquire() bool {
	if !c.s.limit.tryAcquire() {
		return false
	}
	if !c.ep.limit.tryAcquire() {
		c.s.limit.unacquire()
		return false
	}
	return true
}

func (c *conn) releaseSlots() {
	c.ep.limit.release()
	c.s.limit.release()
	c.ep.peers.unadmit(c.s.peer)
}

// refuseCall answers a call that no handler will run, with one log line.
func (c *conn) refuseCall(in *inbound, st *Status) {
	c.logRefused(in, st)
	c.finishCall(in, nil, st)
}

// serveCall runs a call, waiting for its running slots first. It returns
// how long the argument's decoding and the handler took, measured from
// since, or from when the slots were acquired if since is sinceAcquired
// (ran < 0: not measured, since < 0, or the call was refused).
func (c *conn) serveCall(in *inbound, since time.Duration) (ran time.Duration) {
	if err := c.acquire(in); err != nil {
		c.refuseCall(in, StatusOf(err))
		return -1
	}
	if since == sinceAcquired {
		since = c.ep.now()
	}
	return c.serveAcquired(in, since)
}

// sinceAcquired asks serveCall to measure from when the slots are acquired.
const sinceAcquired = -2

// serveAcquired runs a call that holds its running slots; see serveCall.
func (c *conn) serveAcquired(in *inbound, since time.Duration) (ran time.Duration) {
	reply, err := c.runCall(in)
	ran = -1
	if since >= 0 {
		ran = c.ep.now() - since
	}
	c.releaseSlots()
	c.finishCall(in, reply, err)
	return ran
}

// runCall decodes the argument and runs the handler, unless the call's
// deadline passed or the caller gave up while it waited.
func (c *conn) runCall(in *inbound) (reply any, err error) {
	if why := in.ended(); why != nil && why != ErrPeerClosed {
		return nil, in.Err()
	}
	if err := in.unfilter(); err != nil {
		c.logRefused(in, StatusOf(err))
		return nil, err
	}
	ps := in.h.plugins
	if err := runHook(ps.beforeReadCallBody, BeforeReadCallBodyHook.BeforeReadCallBody, &in.msg); err != nil {
		return nil, err
	}
	var arg any
	if in.h.newArg != nil {
		arg = in.h.newArg()
		if err := decodeBody(c.ep.codecs, in.w.Body, in.w.Codec, arg); err != nil {
			c.logRefused(in, StatusOf(err))
			return nil, err
		}
		in.msg.body = arg
	}
	if err := runHook(ps.afterReadCallBody, AfterReadCallBodyHook.AfterReadCallBody, &in.msg); err != nil {
		return nil, err
	}
	defer c.recoverHandler(in, &err)
	if in.h.intercepted != nil {
		in.msg.body = arg
		return in.h.intercepted(in, &in.msg)
	}
	return in.h.call(in, arg)
}

func (c *conn) servePush(in *inbound) {
	if err := c.acquire(in); err != nil {
		c.dropPush(in, err, true)
		return
	}
	ran, err := c.runPush(in)
	c.releaseSlots()
	switch {
	case err != nil && !ran:
		c.dropPush(in, err, true)
		return
	case err != nil:
		// Nobody waits for a push's result, so its handler's error is logged.
		c.ep.logPeer(slog.LevelWarn, "rpc: push handler failed", in.w.Method, "method", in.w.Method, "remote", c.remote(), "err", err)
	}
	c.logHandled(in, StatusOf(err))
	c.release(in)
}

// runPush decodes the body and runs the handler; ran says whether the
// handler ran, so that its error is told apart from a refusal.
func (c *conn) runPush(in *inbound) (ran bool, err error) {
	if err := in.unfilter(); err != nil {
		return false, err
	}
	ps := in.h.plugins
	if err := runHook(ps.beforeReadPushBody, BeforeReadPushBodyHook.BeforeReadPushBody, &in.msg); err != nil {
		return false, err
	}
	var arg any
	if in.h.newArg != nil {
		arg = in.h.newArg()
		if err := decodeBody(c.ep.codecs, in.w.Body, in.w.Codec, arg); err != nil {
			return false, err
		}
		in.msg.body = arg
	}
	if err := runHook(ps.afterReadPushBody, AfterReadPushBodyHook.AfterReadPushBody, &in.msg); err != nil {
		return false, err
	}
	defer c.recoverHandler(in, &err)
	ran = true // also when the handler panics
	if in.h.intercepted != nil {
		in.msg.body = arg
		_, err = in.h.intercepted(in, &in.msg)
		return ran, err
	}
	err = in.h.pushFn(in, arg)
	return ran, err
}

// recoverHandler turns a handler's panic into a CodePanic status. The
// panic's value and stack go to the server's log only, under an id that the
// caller's status names: they may hold anything, and the caller is told
// only where to look.
func (c *conn) recoverHandler(in *inbound, err *error) {
	p := recover()
	if p == nil {
		return
	}
	buf := make([]byte, 4096)
	buf = buf[:runtime.Stack(buf, false)]
	id := strconv.FormatUint(rand.Uint64(), 16)
	c.ep.logPeer(slog.LevelError, "rpc: handler panicked", in.w.Method, "method", in.w.Method, "remote", c.remote(), "panic_id", id, "panic", p, "stack", string(buf))
	*err = NewStatus(CodePanic, "handler panicked; the server logged it as panic_id "+id)
}

// release ends a call's or push's turn once its reply, if any, is queued:
// its context ends, its buffers go back, and an admitted one stops counting
// as in flight, so that a draining connection may close. Counting a call
// until its reply is queued is what keeps a drain from closing the
// connection under a reply on its way.
func (c *conn) release(in *inbound) {
	in.cancel(ErrHandlerReturned)
	in.releaseScratch()
	if in.admitted {
		c.imu.Lock()
		if in.w.Type == wire.TypeCall {
			delete(c.inbound, in.w.Seq)
		} else {
			delete(c.pushes, in)
		}
		c.imu.Unlock()
		c.active.Add(-1)
	}
	putWire(in.w)
	c.maybeDrained()
}

// finishCall sends the reply, runs the reply hooks, logs, and releases the
// request. err, if not nil, is sent instead of reply.
func (c *conn) finishCall(in *inbound, reply any, err error) {
	defer c.release(in)
	ps := c.ep.plugins
	if in.h != nil {
		ps = in.h.plugins
	}
	r := getWire()
	defer putWire(r)
	r.Type, r.Seq = wire.TypeReply, in.w.Seq
	r.Meta.CopyFrom(&in.replyMeta)
	rm := &in.reply
	*rm = Message{w: r, method: in.w.Method, sess: c.s, ctx: in.handlerCtx(), body: reply, in: in}
	bp := getBody()
	defer putBody(bp)
	st := StatusOf(err)
	if st == nil {
		st = c.encodeReply(in, r, bp, reply)
	}
	if st != nil {
		setErrorReply(r, st)
		rm.status, rm.body = st, nil
	}
	if herr := runHook(ps.beforeWriteReply, BeforeWriteReplyHook.BeforeWriteReply, rm); herr != nil {
		if st == nil {
			st = StatusOf(herr)
			setErrorReply(r, st)
			rm.status, rm.body = st, nil
		} else {
			c.ep.log.Warn("rpc: BeforeWriteReply failed on an error reply", "method", in.w.Method, "err", herr)
		}
	}
	if st == nil {
		if err := c.ep.checkMeta(&r.Meta); err != nil {
			st = StatusOf(err)
			setErrorReply(r, st)
			r.Meta.Reset()
			rm.status, rm.body = st, nil
		}
	}
	serr := c.w.send(in, r, false)
	if serr != nil && CodeOf(serr) != CodeConnClosed && CodeOf(serr) != CodeWriteFailed && !errors.Is(serr, in.Err()) {
		// The format could not carry this reply (too large, or a body it
		// cannot express): the caller still gets an answer.
		code := CodeInternal
		if CodeOf(serr) == CodeTooLarge {
			code = CodeTooLarge
		}
		st = WrapStatus(code, "reply cannot be sent", serr)
		setErrorReply(r, st)
		r.Meta.Reset()
		rm.status, rm.body = st, nil
		serr = c.w.send(in, r, false)
	}
	if serr != nil {
		c.ep.logPeer(slog.LevelDebug, "rpc: reply not sent", "", "method", in.w.Method, "remote", c.remote(), "err", serr)
	} else if herr := runHook(ps.afterWriteReply, AfterWriteReplyHook.AfterWriteReply, rm); herr != nil {
		c.ep.log.Warn("rpc: AfterWriteReply failed", "method", in.w.Method, "err", herr)
	}
	c.logHandled(in, st)
}

// encodeReply encodes the reply body in the reply codec: the one the
// handler chose, else the request's, else the endpoint's default.
func (c *conn) encodeReply(in *inbound, r *wire.Message, bp *[]byte, reply any) *Status {
	cd := c.ep.codecs.ByID(in.replyCodec)
	if cd == nil {
		cd = c.ep.codecs.ByID(in.w.ReplyCodec)
	}
	if cd == nil {
		cd = c.ep.codecs.ByID(in.w.Codec)
	}
	if cd == nil {
		cd = c.ep.defaultCodec
	}
	body, cid, err := encodeBody((*bp)[:0], reply, cd)
	*bp = body
	if err != nil {
		return StatusOf(err)
	}
	if fs := c.ep.filters.chain(in.w.Filters); len(fs) > 0 && len(body) > 0 {
		var bufs [2][]byte
		for i := range in.scratch {
			if in.scratch[i] == nil {
				in.scratch[i] = getBody()
			}
			bufs[i] = *in.scratch[i]
		}
		body, r.Filters, err = applyFilters(fs, body, &bufs, r.Filters[:0])
		for i := range bufs {
			*in.scratch[i] = bufs[i]
		}
		if err != nil {
			return StatusOf(err)
		}
	}
	r.Body, r.Codec = body, cid
	return nil
}

func setErrorReply(r *wire.Message, st *Status) {
	r.Code, r.Error, r.Body, r.Codec = int32(st.Code()), st.Message(), nil, 0
}

// dropPush logs a push that will not be handled. A push refused before it
// was accepted (answered false) is answered with the refusal when the
// format wants pushes answered.
func (c *conn) dropPush(in *inbound, err error, answered bool) {
	st := StatusOf(err)
	c.logRefused(in, st)
	if c.acksPushes && !answered {
		c.replyStatus(in.w.Seq, st)
	}
	c.release(in)
}

// logHandled writes the per-call log lines that Config asks for.
func (c *conn) logHandled(in *inbound, st *Status) {
	cfg := &c.ep.cfg
	if !cfg.LogCalls && cfg.SlowCallThreshold <= 0 {
		return
	}
	d := c.ep.now() - in.start
	slow := cfg.SlowCallThreshold > 0 && d >= cfg.SlowCallThreshold
	if !slow && !cfg.LogCalls {
		return
	}
	level := slog.LevelInfo
	if slow {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("type", in.w.Type.String()),
		slog.String("method", in.w.Method),
		slog.String("remote", c.remote()),
		slog.Duration("duration", d),
		slog.String("code", st.Code().String()),
	}
	if st == nil {
		attrs[4] = slog.String("code", "ok")
	}
	if in.w.Meta.Len() > 0 {
		if cfg.LogMetaValues {
			attrs = append(attrs, slog.Any("meta", in.w.Meta.Map()))
		} else {
			attrs = append(attrs, slog.Any("meta_keys", in.w.Meta.Keys()))
		}
	}
	msg := "rpc: handled"
	if slow {
		msg = "rpc: slow call"
	}
	c.ep.log.LogAttrs(in, level, msg, attrs...)
}

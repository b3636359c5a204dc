package rpc

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

var wirePool = sync.Pool{New: func() any { return new(wire.Message) }}

func getWire() *wire.Message { return wirePool.Get().(*wire.Message) }

func putWire(m *wire.Message) {
	m.Reset()
	wirePool.Put(m)
}

// readLoop reads frames until the connection ends, then tears it down. It
// runs in a goroutine that holds a reader's place (see owner.go). It
// reports whether the reading, and the place, passed to another goroutine
// while this one ran an inline handler: the new reader tears down at the
// end.
func (c *conn) readLoop() (handedOff bool) {
	err := c.readFrames()
	if err == errHandedOff {
		return true
	}
	c.fail(err)
	c.s.connEnded(c, c.closeErr)
	c.ep.untrackConn(c)
	return false
}

func (c *conn) readFrames() (err *Status) {
	defer func() {
		if p := recover(); p != nil {
			c.ep.logPeer(slog.LevelError, "rpc: panic in read loop", "", "remote", c.remote(), "panic", p)
			err = NewStatus(CodeInternal, fmt.Sprint("panic in read loop: ", p))
		}
	}()
	for {
		if err := runHook(c.ep.plugins.beforeReadHeader, BeforeReadHeaderHook.BeforeReadHeader, c.s); err != nil {
			return StatusOf(err)
		}
		if c.deferring && !c.nextBuffered() {
			// The batch of calls read together ends here: the replies
			// held back go out before the reader waits for the network.
			c.deferring = false
			c.w.endDeferral()
		}
		if err := c.awaitFrame(); err != nil {
			return c.readError(err)
		}
		m := getWire()
		if rerr := c.framer.ReadMessage(m); rerr != nil {
			putWire(m)
			var me *wire.MessageError
			if errors.As(rerr, &me) {
				c.badFrame(me)
				continue
			}
			if errors.Is(rerr, io.EOF) && !c.s.dialed {
				c.peerFinished()
			}
			return c.readError(rerr)
		}
		if !c.est.Load() && m.Type != wire.TypeGoAway {
			c.markEstablished()
		}
		switch m.Type {
		case wire.TypeCall:
			if c.onCall(m) {
				return errHandedOff
			}
		case wire.TypePush:
			c.onPush(m)
		case wire.TypeReply:
			c.onReply(m)
		case wire.TypeCancel:
			c.onCancel(m.Seq, Code(m.Code))
			putWire(m)
		case wire.TypeGoAway:
			c.onGoAway(m)
			putWire(m)
		case wire.TypeGoAwayAck:
			c.drain.set(drainPeerAcked)
			putWire(m)
			c.maybeDrained()
		default:
			t := m.Type
			putWire(m)
			c.ep.logPeer(slog.LevelWarn, "rpc: unknown message type", "", "remote", c.remote(), "type", int(t))
		}
	}
}

// awaitFrame applies the read deadlines: it waits for the first byte of
// the next frame under IdleTimeout, then gives the whole frame
// ReadTimeout; an accepted connection that has not completed a frame yet
// must do so by firstBy. The frame deadline is re-armed only when it would
// fall more than an eighth of ReadTimeout short, so that a busy connection
// does not pay for a timer per frame: a frame gets at least 7/8 of
// ReadTimeout. For the same reason the wait between frames keeps the
// deadline armed last when it is earlier than the wait's own (none, when
// IdleTimeout is zero): if it passes, the wait goes on under its own
// deadline (waitFrame).
func (c *conn) awaitFrame() error {
	idle, rd := c.ep.cfg.IdleTimeout, c.ep.cfg.ReadTimeout
	first := c.firstBy
	if !first.IsZero() && c.est.Load() {
		c.firstBy, first = time.Time{}, time.Time{}
	}
	if idle <= 0 && rd <= 0 && first.IsZero() {
		return nil
	}
	if c.pender != nil && c.pender.Pending() {
		return nil // the next message is in the framer: no wait, no new deadline
	}
	c.inFrame = false
	if c.br.Buffered() == 0 {
		// Between frames only the idle deadline runs: some transports
		// (websocket) close the connection when a deadline passes.
		var dl time.Time
		if idle > 0 {
			dl = time.Now().Add(idle)
		}
		if !first.IsZero() && (dl.IsZero() || first.Before(dl)) {
			dl = first
		}
		if err := c.waitFrame(dl); err != nil {
			return err
		}
	}
	var dl time.Time
	if rd > 0 {
		dl = time.Now().Add(rd)
	}
	if !first.IsZero() && (dl.IsZero() || first.Before(dl)) {
		dl = first
	}
	if !dl.IsZero() && !c.armed.IsZero() && !c.armed.After(dl) && dl.Sub(c.armed) < rd/8 {
		c.inFrame = true
		return nil // armed recently enough
	}
	c.setReadDeadline(dl)
	c.inFrame = true
	return nil
}

// waitFrame waits for the first byte of the next frame until dl (zero:
// forever). A deadline armed earlier than dl stays armed, saving a timer
// update per frame; when it passes first, the wait is re-armed with dl and
// goes on.
func (c *conn) waitFrame(dl time.Time) error {
	if c.armed.IsZero() && !dl.IsZero() || !dl.IsZero() && c.armed.After(dl) {
		c.setReadDeadline(dl)
	}
	for {
		_, err := c.br.Peek(1)
		if err == nil {
			return nil
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || c.armed.Equal(dl) || !dl.IsZero() && !time.Now().Before(dl) {
			if !dl.IsZero() {
				c.armed = dl // the deadline that ended the wait, for readError
			}
			return err
		}
		c.setReadDeadline(dl) // an earlier deadline passed, not this wait's
	}
}

// setReadDeadline sets the connection's read deadline and remembers it.
func (c *conn) setReadDeadline(t time.Time) {
	c.armed = t
	c.nc.SetReadDeadline(t)
}

// readError turns the error that ended reading into the close reason: nil
// for a clean end, or after this side closed on purpose.
func (c *conn) readError(err error) *Status {
	select {
	case <-c.closed:
		return c.closeErr
	default:
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	var st *Status
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout() && !c.firstBy.IsZero() && c.armed.Equal(c.firstBy):
		st = WrapStatus(CodeDeadlineExceeded, "no whole frame within FirstFrameTimeout of the accept", err)
	case errors.As(err, &ne) && ne.Timeout() && c.inFrame && c.ep.cfg.ReadTimeout > 0:
		st = WrapStatus(CodeDeadlineExceeded, "read timeout: a frame took longer than ReadTimeout", err)
	case errors.As(err, &ne) && ne.Timeout():
		st = WrapStatus(CodeDeadlineExceeded, "idle timeout", err)
	default:
		st = WrapStatus(CodeConnClosed, "read", err)
	}
	c.ep.logPeer(slog.LevelWarn, "rpc: connection lost", "", "remote", c.remote(), "err", st.Error())
	return st
}

// badFrame answers a frame that was read whole but cannot be used. A call
// gets an error reply and the connection goes on; a frame whose header
// cannot be trusted ends the connection with an error sent to the peer.
func (c *conn) badFrame(me *wire.MessageError) {
	code := CodeBadMessage
	switch {
	case me.Code != 0:
		code = Code(me.Code)
	case errors.Is(me, wire.ErrTooLarge):
		code = CodeTooLarge
	}
	st := WrapStatus(code, "", me)
	c.ep.logPeer(slog.LevelWarn, "rpc: bad frame", "", "remote", c.remote(), "err", me.Error())
	if me.Close {
		defer c.w.closeWhenFlushed()
	}
	switch me.Type {
	case wire.TypeCall:
		c.replyStatus(me.Seq, st)
	case wire.TypeReply:
		if oc := c.takePending(me.Seq); oc != nil {
			oc.err = st
			oc.done <- struct{}{}
			c.maybeDrained()
		}
	case wire.TypePush:
		if c.acksPushes {
			c.replyStatus(me.Seq, st) // the format answers every push
		}
	case wire.TypeCancel, wire.TypeGoAway, wire.TypeGoAwayAck:
		// Nothing to answer; the frame is dropped.
	default:
		c.abort(st)
	}
}

// replyStatus answers call seq with an error status.
func (c *conn) replyStatus(seq uint32, st *Status) {
	r := getWire()
	r.Type, r.Seq, r.Code, r.Error = wire.TypeReply, seq, int32(st.Code()), st.Message()
	c.w.send(c.s.ctx, r, false)
	putWire(r)
}

// onReply hands a reply to the caller waiting for it, which decodes it in
// its own goroutine.
func (c *conn) onReply(m *wire.Message) {
	oc := c.takePending(m.Seq)
	if oc == nil {
		c.ep.logPeer(slog.LevelDebug, "rpc: reply to no waiting call", "", "remote", c.remote(), "seq", m.Seq)
		putWire(m)
		return
	}
	oc.reply = m
	oc.done <- struct{}{}
	c.maybeDrained()
}

// onCancel ends the handler context of call seq with the caller's reason.
func (c *conn) onCancel(seq uint32, why Code) {
	c.imu.Lock()
	in := c.inbound[seq]
	c.imu.Unlock()
	if in == nil {
		return
	}
	if why == CodeDeadlineExceeded {
		in.cancel(ErrCallerDeadline)
	} else {
		in.cancel(ErrCallerCanceled)
	}
}

func (c *conn) remote() string {
	if a := c.nc.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

package rpc

import (
	"context"
	"time"
)

// Dial connects to addr on the configured network and returns the session.
// The context bounds the dial (with Config.DialTimeout); it does not bound
// the session. The BeforeDial, AfterDial and AfterDialFail hooks run around
// the attempt. Errors are *Status with CodeDialFailed, or the hook's error.
func (e *Endpoint) Dial(ctx context.Context, addr string) (*Session, error) {
	if e.closing.Load() {
		return nil, errShuttingDown
	}
	s := newSession(e, true, addr)
	if _, err := e.connect(ctx, s, false); err != nil {
		s.closeFinal(nil)
		return nil, err
	}
	return s, nil
}

// connect dials s.addr once and installs the connection in s.
func (e *Endpoint) connect(ctx context.Context, s *Session, redial bool) (*conn, error) {
	if err := run(e.plugins.beforeDial, func(h BeforeDialHook) error { return h.BeforeDial(s.addr, redial) }); err != nil {
		st := StatusOf(err)
		e.runAfterDialFail(s.addr, st, redial)
		return nil, st
	}
	dctx, cancel := context.WithTimeout(ctx, e.cfg.DialTimeout)
	nc, err := e.transport.Dial(dctx, e.cfg.Network, s.addr)
	cancel()
	if err != nil {
		st := WrapStatus(CodeDialFailed, "dial "+s.addr, err)
		e.runAfterDialFail(s.addr, st, redial)
		return nil, st
	}
	c := newConn(s, nc, nil, e.format)
	if !redial {
		s.id = nc.LocalAddr().String() // published below, once AfterDial lets it in
	}
	if err := run(e.plugins.afterDial, func(h AfterDialHook) error { return h.AfterDial(s, redial) }); err != nil {
		nc.Close()
		st := StatusOf(err)
		e.runAfterDialFail(s.addr, st, redial)
		return nil, st
	}
	if !redial {
		e.hub.add(s, s.id)
	}
	if !e.trackConn(c) {
		nc.Close()
		return nil, errEndpointClosed
	}
	if !s.install(c) || !e.owner.startReader(c.readLoop) {
		c.fail(errSessionClosed)
		e.untrackConn(c)
		return nil, errSessionClosed
	}
	return c, nil
}

// goRedial starts the redial loop of s in a goroutine the endpoint owns,
// unless one is running: that one sees the session's state change and goes
// on with its count of attempts, so that connections lost before they were
// established do not start the back-off over.
func (e *Endpoint) goRedial(s *Session, cause *Status, goingAway bool) {
	if !s.redialing.CompareAndSwap(false, true) {
		return
	}
	if !e.owner.start(func() { e.redialLoop(s, cause, goingAway) }) {
		s.redialing.Store(false)
		s.closeFinal(errEndpointClosed)
	}
}

// redialLoop runs redial until the session is established or closed. An
// outage that struck after the connection was established but before the
// loop let go of the session is taken up here, since goRedial left it to
// this loop.
func (e *Endpoint) redialLoop(s *Session, cause *Status, goingAway bool) {
	for {
		if !e.redial(s, cause, goingAway) {
			s.redialing.Store(false)
			return
		}
		s.redialing.Store(false)
		st := s.state.Load()
		if (st != stateDown && st != stateMoving) || s.cur.Load() != nil || !s.redialing.CompareAndSwap(false, true) {
			return
		}
		cause, goingAway = nil, st == stateMoving
	}
}

// redial dials s again by the policy until a connection is established
// (it reports true), or the attempts run out (the session closes), or the
// session or endpoint closes.
func (e *Endpoint) redial(s *Session, cause *Status, goingAway bool) bool {
	p := e.cfg.Redial
	bo := p.backoff()
	var last error
	if cause != nil {
		last = cause
	}
	for n := 1; p.allows(n, goingAway); n++ {
		if n > 1 {
			t := time.NewTimer(bo.Delay(n - 1))
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
				return false
			}
		}
		if e.closing.Load() || s.state.Load() == stateClosed {
			s.closeFinal(nil)
			return false
		}
		if p.OnReconnecting != nil {
			p.OnReconnecting(s, n)
		}
		c, err := e.connect(s.ctx, s, true)
		if err == nil {
			err = s.awaitEstablished(c, p.StableAfter)
			if err == nil {
				e.log.Info("rpc: redialed", "addr", s.addr, "attempt", n)
				if p.OnReconnect != nil {
					p.OnReconnect(s)
				}
				return true
			}
			if s.state.Load() == stateClosed {
				return false
			}
		}
		last = err
		e.log.Debug("rpc: redial failed", "addr", s.addr, "attempt", n, "err", err)
	}
	e.log.Warn("rpc: gave up redialing", "addr", s.addr, "err", last)
	if p.OnGiveUp != nil {
		p.OnGiveUp(s, last)
	}
	s.closeFinal(StatusOf(last))
	return false
}

// errNotEstablished fails a redial attempt whose connection was lost
// before the peer sent a frame or StableAfter passed.
var errNotEstablished = NewStatus(CodeConnClosed, "connection lost before it was established")

// awaitEstablished waits until c, the session's new connection, is
// established: the peer sent a frame, or it stayed open for stable. It
// fails when the session loses c first (or moves off it: the peer went
// away at once).
func (s *Session) awaitEstablished(c *conn, stable time.Duration) error {
	t := time.NewTimer(stable)
	defer t.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if s.cur.Load() != c {
			if c.isClosed() && c.closeErr != nil { // closeErr is set before closed is
				return WrapStatus(CodeConnClosed, errNotEstablished.Message(), c.closeErr)
			}
			return errNotEstablished
		}
		select {
		case <-c.established:
			return nil
		case <-t.C:
			c.markEstablished()
			return nil
		case <-ch:
		}
	}
}

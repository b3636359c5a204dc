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
	if err := e.plugins.runBeforeDial(s.addr, redial); err != nil {
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
	if err := e.plugins.runAfterDial(s, redial); err != nil {
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
	if !s.install(c) || !e.goReader(c.readLoop) {
		c.fail(errSessionClosed)
		e.untrackConn(c)
		return nil, errSessionClosed
	}
	return c, nil
}

// goRedial starts the redial loop of s in a goroutine the endpoint owns.
func (e *Endpoint) goRedial(s *Session, cause *Status, goingAway bool) {
	if !e.goTracked(func() { e.redial(s, cause, goingAway) }) {
		s.closeFinal(errEndpointClosed)
	}
}

// redial dials s again by the policy until it succeeds, the attempts run
// out (the session closes), or the session or endpoint closes.
func (e *Endpoint) redial(s *Session, cause *Status, goingAway bool) {
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
				return
			}
		}
		if e.closing.Load() || s.state.Load() == stateClosed {
			s.closeFinal(nil)
			return
		}
		if p.OnReconnecting != nil {
			p.OnReconnecting(s, n)
		}
		_, err := e.connect(s.ctx, s, true)
		if err == nil {
			e.log.Info("rpc: redialed", "addr", s.addr, "attempt", n)
			if p.OnReconnect != nil {
				p.OnReconnect(s)
			}
			return
		}
		last = err
		e.log.Debug("rpc: redial failed", "addr", s.addr, "attempt", n, "err", err)
	}
	e.log.Warn("rpc: gave up redialing", "addr", s.addr, "err", last)
	if p.OnGiveUp != nil {
		p.OnGiveUp(s, last)
	}
	s.closeFinal(StatusOf(last))
}

package rpc

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// Session states.
const (
	stateActive int32 = iota // a usable connection
	stateMoving              // the peer is going away; a new connection is on its way; calls wait
	stateDown                // the connection was lost; redialing; calls fail fast
	stateClosed              // for good
)

// Session is one peer of an endpoint: a connection accepted by the endpoint,
// or dialed by it. Either side may call or push to the other over it. A
// dialed session survives the loss of its connection when its endpoint's
// RedialPolicy allows: the same Session value works again once redialed.
//
// A Session is safe for concurrent use; many calls may be in flight at once.
type Session struct {
	ep     *Endpoint
	id     string // guarded by ep.hub.mu
	dialed bool
	addr   string // the dial address
	ctx    context.Context
	cancel context.CancelFunc
	limit  *limiter
	peer   *peer // the remote peer of an accepted session; nil for a dialed one
	values sync.Map

	cur       atomic.Pointer[conn]
	state     atomic.Int32
	redialing atomic.Bool // a redial loop owns the session's reconnection

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every state change
	lastLocal net.Addr
	lastPeer  net.Addr
	closeErr  *Status
	closeOnce sync.Once
	done      chan struct{}
}

func newSession(e *Endpoint, dialed bool, addr string) *Session {
	s := &Session{
		ep:      e,
		dialed:  dialed,
		addr:    addr,
		limit:   newLimiter(e.cfg.MaxSessionHandlers, e.cfg.MaxSessionQueuedHandlers),
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(e.ctx)
	return s
}

// ID returns the session's id in the endpoint's hub: by default the peer's
// address for an accepted session and the local address for a dialed one
// (with "#n" added when that is empty or taken).
func (s *Session) ID() string {
	s.ep.hub.mu.RLock()
	defer s.ep.hub.mu.RUnlock()
	return s.id
}

// SetID changes the session's id. It fails if another session has that id.
func (s *Session) SetID(id string) error { return s.ep.hub.rename(s, id) }

// Endpoint returns the endpoint the session belongs to.
func (s *Session) Endpoint() *Endpoint { return s.ep }

// DialAddr returns the address a dialed session was dialed with, which it
// also redials; "" for an accepted session. Unlike RemoteAddr it is known
// before the first connection is made, in AfterDial hooks too.
func (s *Session) DialAddr() string { return s.addr }

// Dialed reports whether this side dialed the session.
func (s *Session) Dialed() bool { return s.dialed }

// RemoteAddr returns the peer's address of the current (or last) connection.
func (s *Session) RemoteAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastPeer
}

// LocalAddr returns the local address of the current (or last) connection.
func (s *Session) LocalAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastLocal
}

// Health reports whether a call made now would be sent at once.
func (s *Session) Health() bool {
	c := s.cur.Load()
	return c != nil && c.usable()
}

// Values returns the session's store of user data (the seed's Swap), kept
// for the session's life and safe for concurrent use.
func (s *Session) Values() *sync.Map { return &s.values }

// Context returns a context that ends when the session is closed for good.
func (s *Session) Context() context.Context { return s.ctx }

// Done returns a channel closed when the session is closed for good.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why the session closed: nil while it is open and after a
// local Close or a graceful end.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeErr == nil {
		return nil
	}
	return s.closeErr
}

// Close closes the session at once: calls in flight fail with
// CodeConnClosed, handlers' contexts end, and it does not redial. To let
// calls finish first, shut the endpoint down with Shutdown.
func (s *Session) Close() error {
	s.closeFinal(nil)
	return nil
}

// CloseConn closes the session's current connection as a failed network
// would, with err as the reason its calls in flight fail with (a *Status, or
// any error converted with [StatusOf]; nil means CodeConnClosed). A dialed
// session then redials by the endpoint's RedialPolicy; any other session is
// closed for good, and Err returns the reason. The heartbeat plugin uses it
// for a peer that fell silent. Without a connection it does nothing.
func (s *Session) CloseConn(err error) {
	c := s.cur.Load()
	if c == nil {
		return
	}
	st := NewStatus(CodeConnClosed, "connection closed")
	if err != nil {
		st = StatusOf(err)
	}
	c.fail(st)
}

// CloseWithError closes the session's current connection after telling
// the peer why: a connection error carrying err's status (a *Status, or any
// error converted with [StatusOf]; nil means CodeConnClosed) is queued
// behind the frames already queued, so that a reply just written reaches
// the peer first, and the connection closes once it is written. The peer's
// calls still in flight then fail with that status. As after CloseConn, a
// dialed session redials by its policy and any other is closed for good.
// The auth plugin refuses a session with it.
func (s *Session) CloseWithError(err error) {
	c := s.cur.Load()
	if c == nil {
		return
	}
	st := NewStatus(CodeConnClosed, "connection closed")
	if err != nil {
		st = StatusOf(err)
	}
	c.abort(st)
}

// install makes c the session's connection, unless the session is closed.
func (s *Session) install(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Load() == stateClosed {
		return false
	}
	s.lastLocal, s.lastPeer = c.nc.LocalAddr(), c.nc.RemoteAddr()
	s.cur.Store(c)
	s.setStateLocked(stateActive)
	return true
}

// setStateLocked changes the state and wakes callers waiting in pick.
func (s *Session) setStateLocked(st int32) {
	if s.state.Load() == stateClosed {
		return
	}
	s.state.Store(st)
	close(s.changed)
	s.changed = make(chan struct{})
}

// pick returns the connection for a new call or push. While the session is
// moving to a new connection it waits; while it is down it fails with
// CodeUnavailable unless wait is set.
func (s *Session) pick(ctx context.Context, wait bool) (*conn, error) {
	for {
		if c := s.cur.Load(); c != nil && c.usable() {
			return c, nil
		}
		s.mu.Lock()
		ch := s.changed
		c := s.cur.Load()
		st := s.state.Load()
		s.mu.Unlock()
		if c != nil && c.usable() {
			return c, nil
		}
		switch {
		case st == stateClosed:
			return nil, s.closedStatus()
		case s.ep.closing.Load():
			return nil, errShuttingDown
		case st == stateDown && !wait:
			return nil, errReconnecting
		case c != nil && !s.dialed:
			return nil, errPeerGoingAway
		}
		// Moving, down with wait, or a dialed connection that is failing
		// before its reader reported the loss: wait for the next state.
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctxStatus(ctx)
		}
	}
}

func (s *Session) closedStatus() *Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeErr != nil {
		return WrapStatus(CodeConnClosed, "session closed", s.closeErr)
	}
	return errSessionClosed
}

// peerGoingAway moves a dialed session off connection c after the peer's
// go-away; an accepted session just stops sending new work on c.
func (s *Session) peerGoingAway(c *conn) {
	if !s.dialed || s.ep.closing.Load() {
		return
	}
	s.mu.Lock()
	if s.cur.Load() != c || s.state.Load() != stateActive {
		s.mu.Unlock()
		return
	}
	s.cur.Store(nil)
	s.setStateLocked(stateMoving)
	s.mu.Unlock()
	s.ep.goRedial(s, nil, true)
}

// connEnded is called by c's reader once c is torn down.
func (s *Session) connEnded(c *conn, err *Status) {
	if herr := s.ep.runAfterDisconnect(s, err); herr != nil {
		s.ep.log.Warn("rpc: AfterDisconnect failed", "session", s.ID(), "err", herr)
	}
	s.mu.Lock()
	if s.cur.Load() != c {
		// An earlier connection of a session that moved on, or one that
		// closeFinal already took away.
		s.mu.Unlock()
		return
	}
	redial := s.dialed && s.ep.cfg.Redial.Attempts != 0 && !s.ep.closing.Load() && s.state.Load() == stateActive
	if !redial {
		s.mu.Unlock()
		s.closeFinal(err)
		return
	}
	s.cur.Store(nil)
	s.setStateLocked(stateDown)
	s.mu.Unlock()
	if s.redialing.Load() {
		return // a connection of the redial loop, lost before it was established
	}
	if cb := s.ep.cfg.Redial.OnDisconnect; cb != nil {
		cb(s, errOrClosed(err))
	}
	s.ep.goRedial(s, err, false)
}

func errOrClosed(err *Status) error {
	if err == nil {
		return NewStatus(CodeConnClosed, "connection closed by peer")
	}
	return err
}

// closeFinal closes the session for good, and its connection.
func (s *Session) closeFinal(err *Status) {
	if c := s.end(err); c != nil {
		c.fail(nil)
	}
}

// retire closes the session for good but leaves its connection to close
// itself once drained.
func (s *Session) retire() { s.end(nil) }

// end marks the session closed, unlists it and returns its connection, once.
func (s *Session) end(err *Status) (c *conn) {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closeErr = err
		c = s.cur.Swap(nil)
		s.setStateLocked(stateClosed)
		s.mu.Unlock()
		s.cancel()
		s.ep.hub.remove(s)
		close(s.done)
	})
	return c
}

// wake makes callers waiting in pick look at the state again.
func (s *Session) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Load() != stateClosed {
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

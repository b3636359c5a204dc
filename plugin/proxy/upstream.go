package proxy

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/dmicro-go/dmicro/rpc"
)

// upstream is the session to one upstream address: dialed by the first
// call that needs it, while the calls that come meanwhile wait for that one
// dial, then shared by every call to the address until it dies.
type upstream struct {
	addr   string
	dialed chan struct{} // closed when the dial ended; sess and err are set then
	sess   *rpc.Session
	err    error
	// ctxEnded says that the dial failed because the context of the call
	// that dialed ended: a waiting call with time left dials again.
	ctxEnded bool

	users int    // calls using or waiting for it; guarded by pool.mu
	last  uint64 // the pool's tick when a call last took it; guarded by pool.mu
}

// dead reports whether the dial has ended without a usable session: it
// failed, or the session has closed for good.
func (u *upstream) dead() bool {
	select {
	case <-u.dialed:
	default:
		return false // still dialing
	}
	if u.sess == nil {
		return true
	}
	select {
	case <-u.sess.Done():
		return true
	default:
		return false
	}
}

// pool keeps one upstream per address, at most max (negative: no cap).
type pool struct {
	client *rpc.Endpoint // nil until the first dial when the pool makes its own
	own    bool          // the pool made client and closes it
	max    int
	log    func() *slog.Logger

	mu     sync.Mutex
	ups    map[string]*upstream
	tick   uint64
	closed bool
}

func newPool(client *rpc.Endpoint, max int, log func() *slog.Logger) *pool {
	return &pool{client: client, own: client == nil, max: max, log: log, ups: make(map[string]*upstream)}
}

var errClosed = rpc.NewStatus(rpc.CodeUnavailable, "proxy: closed")

// get returns the upstream of addr with a live session, dialing it if
// needed, and counts the caller as its user until put. A failed dial is
// every waiting caller's error, except that a caller whose context is
// still alive dials again when the dial failed only because the dialing
// caller's context ended. Errors are *rpc.Status naming addr.
func (p *pool) get(ctx context.Context, addr string) (*upstream, error) {
	// A session that dies right after it was dialed is dialed again, a
	// few times: each time either the dial fails or ctx runs out.
	for range 3 {
		u, dial, err := p.take(addr)
		if err != nil {
			return nil, err
		}
		if dial {
			p.dial(ctx, u)
		} else {
			select {
			case <-u.dialed:
			case <-ctx.Done():
				p.put(u)
				return nil, upstreamError(addr, context.Cause(ctx))
			}
		}
		switch {
		case u.err == nil && !u.dead():
			return u, nil
		case u.err != nil && !(u.ctxEnded && ctx.Err() == nil):
			p.put(u)
			return nil, upstreamError(addr, u.err)
		}
		p.put(u) // dial again
	}
	return nil, upstreamError(addr, rpc.NewStatus(rpc.CodeConnClosed, "the session closed as soon as it was dialed"))
}

// take finds or makes the upstream of addr and counts a user; dial says
// that the caller must dial it.
func (p *pool) take(addr string) (u *upstream, dial bool, err error) {
	var evicted *rpc.Session
	defer func() {
		if evicted != nil {
			evicted.Close()
		}
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, false, errClosed
	}
	if p.client == nil {
		if p.client, err = rpc.NewEndpoint(rpc.Config{}); err != nil {
			return nil, false, upstreamError(addr, err)
		}
	}
	u = p.ups[addr]
	if u != nil && u.dead() {
		delete(p.ups, addr)
		u = nil
	}
	if u == nil {
		if p.max >= 0 && len(p.ups) >= p.max {
			var ok bool
			if evicted, ok = p.evictLocked(); !ok {
				return nil, false, rpc.Errorf(rpc.CodeOverloaded, "proxy: upstream %s: all %d upstream sessions are in use", addr, p.max)
			}
		}
		u = &upstream{addr: addr, dialed: make(chan struct{})}
		p.ups[addr] = u
		dial = true
	}
	p.tick++
	u.users++
	u.last = p.tick
	return u, dial, nil
}

// evictLocked drops the upstream that no call uses and that was used
// longest ago, preferring a dead one, and returns its session for the
// caller to close outside the lock. It reports false when every upstream
// is in use.
func (p *pool) evictLocked() (*rpc.Session, bool) {
	var victim *upstream
	for _, u := range p.ups {
		if u.users > 0 {
			continue
		}
		if victim == nil || u.dead() && !victim.dead() || u.dead() == victim.dead() && u.last < victim.last {
			victim = u
		}
	}
	if victim == nil {
		return nil, false
	}
	delete(p.ups, victim.addr)
	return victim.sess, true
}

// dial dials u for the calls waiting on it, bounded by ctx (and the
// client's DialTimeout).
func (p *pool) dial(ctx context.Context, u *upstream) {
	p.mu.Lock()
	client := p.client
	p.mu.Unlock()
	s, err := client.Dial(ctx, u.addr)
	ctxEnded := err != nil && ctx.Err() != nil
	// The result is published under the lock that close takes, so that a
	// session dialed as the pool closes is closed by one of the two.
	var orphan *rpc.Session
	p.mu.Lock()
	if p.closed && s != nil {
		orphan, s, err = s, nil, errClosed
	}
	u.sess, u.err, u.ctxEnded = s, err, ctxEnded
	close(u.dialed)
	p.mu.Unlock()
	if orphan != nil {
		orphan.Close()
	}
	log := p.log()
	if err != nil {
		log.Debug("proxy: upstream dial failed", "upstream", u.addr, "err", err)
	} else {
		log.Debug("proxy: upstream dialed", "upstream", u.addr, "local", s.LocalAddr().String())
	}
}

// put ends a use of u that get or take counted.
func (p *pool) put(u *upstream) {
	p.mu.Lock()
	u.users--
	p.mu.Unlock()
}

// close closes the sessions of the pool, or its own client, once; the pool
// then fails every get.
func (p *pool) close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	ups := p.ups
	p.ups = nil
	client, own := p.client, p.own
	p.mu.Unlock()
	if own {
		if client != nil {
			return client.Close()
		}
		return nil
	}
	for _, u := range ups {
		select {
		case <-u.dialed:
			if u.sess != nil {
				u.sess.Close()
			}
		default: // its dialer closes it, seeing the pool closed
		}
	}
	return nil
}

// upstreamError is the caller's error when the upstream at addr could not
// be reached or the session to it failed: err's code, and a message that
// names addr once.
func upstreamError(addr string, err error) error {
	st := rpc.StatusOf(err)
	label := "proxy: upstream " + addr
	if strings.Contains(st.Message(), addr) {
		label = "proxy: upstream"
	}
	return rpc.WrapStatus(st.Code(), label, err)
}

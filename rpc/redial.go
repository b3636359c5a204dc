package rpc

import (
	"fmt"
	"time"

	"github.com/dmicro-go/dmicro/internal/backoff"
)

// RedialPolicy says how a dialed session that lost its peer dials again.
//
// Each outage starts a fresh count of attempts. Between attempts the
// session waits an exponential back-off with jitter: MinDelay, then
// ×Multiplier each time, capped at MaxDelay, each moved at random by up to
// ±Jitter of itself. The first attempt of an outage runs at once.
//
// A redialed connection counts as reconnected only once it is established:
// the peer has sent it a frame (a reply, call or push; not a connection
// error), or it has stayed open for StableAfter. Until then OnReconnect is
// not called and the back-off does not start over: a peer that accepts and
// closes at once (or refuses the session in an AfterAccept hook) is
// redialed on the policy's schedule, not in a loop.
//
// A new connection takes calls as soon as it is made, before it counts as
// reconnected. While the session is down, calls fail at once with
// CodeUnavailable, unless made with [WithWaitForReady]. When the peer sends
// "going away" the session always dials again (at least once, even with
// Attempts 0), and calls made meanwhile wait for the new connection
// instead of failing; when the attempts run out the session closes, and
// its calls fail with CodeConnClosed.
type RedialPolicy struct {
	// Attempts is the number of dial attempts per outage: 0 (the default)
	// never redials, a negative value redials until the session is closed.
	// An attempt whose connection is lost before it is established counts
	// as failed.
	Attempts int
	// MinDelay is the first wait. Zero means 100 ms.
	MinDelay time.Duration
	// MaxDelay caps the wait. Zero means 10 s.
	MaxDelay time.Duration
	// Multiplier grows the wait. Zero means 1.6.
	Multiplier float64
	// Jitter is the random share of each wait, 0 to 1. Zero means 0.2; a
	// negative value means none.
	Jitter float64
	// StableAfter is how long a redialed connection from which the peer
	// has sent nothing must stay open to count as established. Zero means
	// 1 s.
	StableAfter time.Duration

	// OnDisconnect is called when an established connection of the session
	// is lost and the session will redial; err says why.
	OnDisconnect func(s *Session, err error)
	// OnReconnecting is called before each dial attempt (from 1).
	OnReconnecting func(s *Session, attempt int)
	// OnReconnect is called when a redialed connection is established and
	// the session works again.
	OnReconnect func(s *Session)
	// OnGiveUp is called when the attempts ran out; the session is closed
	// and err is the last attempt's error.
	OnGiveUp func(s *Session, err error)
}

// Default redial timing.
const (
	DefaultRedialMinDelay    = 100 * time.Millisecond
	DefaultRedialMaxDelay    = 10 * time.Second
	DefaultRedialMultiplier  = 1.6
	DefaultRedialJitter      = 0.2
	DefaultRedialStableAfter = time.Second
)

func (p *RedialPolicy) fill() {
	if p.MinDelay == 0 {
		p.MinDelay = DefaultRedialMinDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultRedialMaxDelay
	}
	if p.Multiplier == 0 {
		p.Multiplier = DefaultRedialMultiplier
	}
	if p.Jitter == 0 {
		p.Jitter = DefaultRedialJitter
	}
	if p.StableAfter == 0 {
		p.StableAfter = DefaultRedialStableAfter
	}
}

func (p RedialPolicy) validate() error {
	switch {
	case p.MinDelay < 0 || p.MaxDelay < 0 || p.StableAfter < 0:
		return fmt.Errorf("rpc: config: Redial delays must not be negative")
	case p.MaxDelay != 0 && p.MinDelay > p.MaxDelay:
		return fmt.Errorf("rpc: config: Redial.MinDelay %v is above MaxDelay %v", p.MinDelay, p.MaxDelay)
	case p.Multiplier != 0 && p.Multiplier < 1:
		return fmt.Errorf("rpc: config: Redial.Multiplier %v is below 1", p.Multiplier)
	case p.Jitter > 1:
		return fmt.Errorf("rpc: config: Redial.Jitter %v is above 1", p.Jitter)
	}
	return nil
}

func (p RedialPolicy) backoff() backoff.Policy {
	return backoff.Policy{Min: p.MinDelay, Max: p.MaxDelay, Multiplier: p.Multiplier, Jitter: max(p.Jitter, 0)}
}

// allows reports whether attempt n (from 1) may run.
func (p RedialPolicy) allows(n int, goingAway bool) bool {
	if p.Attempts < 0 {
		return true
	}
	limit := p.Attempts
	if goingAway && limit < 1 {
		limit = 1
	}
	return n <= limit
}

package rpc

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// ackGrace is how long a connection that sent a go-away waits for the
// peer's ack before it treats the peer as one that will not send one.
const ackGrace = 5 * time.Second

// drain is the going-away state of one connection, in one word so that it
// reads in one place. A connection drains when a go-away went one way or
// the other: it takes no new calls or pushes, finishes what is in flight
// in both directions, and closes once nothing is (maybeDrained).
type drain struct {
	flags    atomic.Uint32
	ackTimer atomic.Pointer[time.Timer] // set with drainSent; ends the wait for the ack
}

// The drain flags. Each is set once and never cleared.
const (
	// drainNoNew: no new calls or pushes on this connection. The writer
	// sets it under its lock (writer.noNew), in the same critical section
	// as the go-away or ack it queues, so that no call follows either.
	drainNoNew uint32 = 1 << iota
	// drainSent: this side sent a go-away.
	drainSent
	// drainPeerAway: the peer sent a go-away, or ended its stream.
	drainPeerAway
	// drainPeerAcked: the peer acked this side's go-away.
	drainPeerAcked
	// drainAckExpired: the peer did not ack within ackGrace.
	drainAckExpired
)

// set sets f and reports whether this call set it.
func (d *drain) set(f uint32) bool { return d.flags.Or(f)&f == 0 }

// has reports whether f is set.
func (d *drain) has(f uint32) bool { return d.flags.Load()&f != 0 }

// away reports whether the connection drains: the peer is going away, or
// this side is and the peer acked or had its time to.
func (d *drain) away() bool {
	f := d.flags.Load()
	return f&drainPeerAway != 0 || (f&drainSent != 0 && f&(drainPeerAcked|drainAckExpired) != 0)
}

func (d *drain) stopAckTimer() {
	if t := d.ackTimer.Load(); t != nil {
		t.Stop()
	}
}

// goAway tells the peer that this side starts no new work here, once.
func (c *conn) goAway() {
	if !c.drain.set(drainSent) {
		return
	}
	c.drain.ackTimer.Store(time.AfterFunc(ackGrace, func() {
		c.drain.set(drainAckExpired)
		c.maybeDrained()
	}))
	if c.isClosed() { // fail ran first and could not stop the timer
		c.drain.stopAckTimer()
	}
	c.w.sendControl(&wire.Message{Type: wire.TypeGoAway}, true)
	c.maybeDrained()
}

// abort sends a connection error to the peer, then closes with st as the
// reason once the error frame is written.
func (c *conn) abort(st *Status) {
	c.reason.CompareAndSwap(nil, st)
	c.w.sendControl(&wire.Message{Type: wire.TypeGoAway, Code: int32(st.Code()), Error: st.Message()}, true)
	c.w.closeWhenFlushed()
}

// maybeDrained closes the connection gracefully when a go-away went one way
// or the other and nothing is in flight either way.
func (c *conn) maybeDrained() {
	if !c.drain.away() || c.active.Load() > 0 {
		return
	}
	c.pmu.Lock()
	idle := len(c.pending) == 0
	c.pmu.Unlock()
	if idle {
		c.w.closeWhenFlushed()
	}
}

// peerFinished handles a clean end of an accepted session's stream: the
// peer will send nothing more, so the session is closed at once (unlisted,
// its calls to the peer failed, handler contexts ended, as net/http cancels
// a request whose client went away), but the connection stays open until
// the replies of handlers that still finish are written, for clients that
// half-close after their last request.
func (c *conn) peerFinished() {
	c.w.stopNewWork()
	c.s.retire()
	c.failPending(NewStatus(CodeConnClosed, "peer closed the connection"))
	c.cancelInbound(ErrPeerClosed)
	c.drain.set(drainPeerAway)
	c.maybeDrained()
	<-c.closed
}

// onGoAway handles the peer's go-away: a connection error closes; a graceful
// one stops new work here, acks, and moves a dialed session to a new
// connection.
func (c *conn) onGoAway(m *wire.Message) {
	if m.Code != 0 {
		st := statusFromWire(m.Code, m.Error)
		c.ep.logPeer(slog.LevelWarn, "rpc: peer closed the connection with an error", "", "remote", c.remote(), "err", st.Error())
		c.reason.CompareAndSwap(nil, st)
		c.fail(st)
		return
	}
	c.drain.set(drainPeerAway)
	c.w.sendControl(&wire.Message{Type: wire.TypeGoAwayAck}, true)
	c.s.peerGoingAway(c)
	c.maybeDrained()
}

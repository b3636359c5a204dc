package rpc

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// conn is one network connection of a session. A session keeps its conn
// while the peer stays; a dialed session gets a new conn on each redial.
// The conn owns two goroutines: its reader (readLoop) and its flusher.
type conn struct {
	s      *Session
	ep     *Endpoint
	nc     net.Conn
	br     *bufio.Reader
	framer wire.Framer
	w      writer

	seq      atomic.Uint32
	pmu      sync.Mutex
	pending  map[uint32]*outCall // calls sent, waiting for replies
	npending atomic.Int64        // len(pending), read without pmu

	pender    wire.Pender // the framer, if it may hold messages read already
	inFrame   bool        // the reader is inside a frame (for ReadTimeout); reader only
	deferring bool        // the reader holds replies back (writer.deferFlush); reader only
	armed     time.Time   // the read deadline set last; reader only
	firstBy   time.Time   // an accepted connection's deadline for its first frame; reader only

	// readerState says who reads: readerReading, readerInline (the reader
	// is running a call's handler itself, inline.go) or readerHandedOff
	// (the watchdog started a new reader meanwhile).
	readerState atomic.Int32
	inlineAt    atomic.Int64 // when the inline handler's call was read, on the endpoint's clock
	watchdog    *time.Timer  // starts a new reader when an inline handler runs long (inline.go)
	watchArmed  atomic.Bool
	bframer     wire.BufferedFramer // the framer, if it tells whether its next frame is buffered

	imu     sync.Mutex
	inbound map[uint32]*inbound   // calls being handled, for cancel frames
	pushes  map[*inbound]struct{} // pushes being handled
	active  atomic.Int64          // handlers running or waiting, calls and pushes

	acksPushes bool  // the framer wants every push answered (wire.PushAcker)
	drain      drain // going away; see drain.go

	est         atomic.Bool   // the peer has sent a frame, or the connection outlived StableAfter
	established chan struct{} // closed when est is set

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  *Status                // why it closed; nil when graceful
	reason    atomic.Pointer[Status] // a reason set before a delayed close
}

// newConn wraps nc, read through br (nil: a new one), speaking format f.
func newConn(s *Session, nc net.Conn, br *bufio.Reader, f wire.Format) *conn {
	e := s.ep
	if br == nil {
		br = e.newReader(nc)
	}
	c := &conn{
		s:       s,
		ep:      e,
		nc:      nc,
		br:      br,
		pending: make(map[uint32]*outCall),
		inbound: make(map[uint32]*inbound),
		pushes:  make(map[*inbound]struct{}),
		closed:  make(chan struct{}),

		established: make(chan struct{}),
	}
	c.framer = f.NewFramer(c.br, wire.Options{
		MaxMessageSize:   e.cfg.MaxMessageSize,
		MaxMetadataPairs: e.cfg.MaxMetadataPairs,
		MaxMetadataBytes: e.cfg.MaxMetadataBytes,
		Budget:           e.budget,
		Client:           s.dialed,
	})
	if iw, ok := c.framer.(wire.InterimWriter); ok {
		iw.SetInterim(c.w.sendRaw)
	}
	c.w.c = c
	c.w.kick = make(chan struct{}, 1)
	c.pender, _ = c.framer.(wire.Pender)
	c.bframer, _ = c.framer.(wire.BufferedFramer)
	c.watchdog = time.AfterFunc(time.Hour, c.watch)
	c.watchdog.Stop()
	if pa, ok := c.framer.(wire.PushAcker); ok {
		c.acksPushes = pa.AcksPushes()
	}
	return c
}

// markEstablished records that the connection is established; see
// RedialPolicy.
func (c *conn) markEstablished() {
	if c.est.CompareAndSwap(false, true) {
		close(c.established)
	}
}

// isClosed reports whether fail ran; closeErr is then set.
func (c *conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// usable reports whether new calls may go on this connection.
func (c *conn) usable() bool {
	select {
	case <-c.closed:
		return false
	default:
	}
	return !c.drain.has(drainNoNew)
}

// fail closes the connection; err says why (nil: graceful). Pending calls
// fail with err, or with the peer's reason if it sent one, or with
// CodeConnClosed; handler contexts end. It is safe to call many times.
func (c *conn) fail(err *Status) {
	c.closeOnce.Do(func() {
		if r := c.reason.Load(); r != nil {
			err = r
		}
		c.closeErr = err
		close(c.closed)
		c.nc.Close()
		c.drain.stopAckTimer()
		c.watchdog.Stop()
		reason := err
		if reason == nil {
			reason = NewStatus(CodeConnClosed, "connection closed")
		} else if reason.Code() != CodeConnClosed {
			reason = WrapStatus(reason.Code(), "connection closed", reason)
		}
		c.w.failed(reason)
		c.failPending(reason)
		c.cancelInbound(ErrConnClosed)
	})
}

// cancelInbound ends the contexts of the calls and pushes being handled.
func (c *conn) cancelInbound(err error) {
	c.imu.Lock()
	defer c.imu.Unlock()
	for _, in := range c.inbound {
		in.cancel(err)
	}
	for in := range c.pushes {
		in.cancel(err)
	}
}

// failPending fails every call waiting for a reply.
func (c *conn) failPending(err *Status) {
	c.pmu.Lock()
	calls := c.pending
	c.pending = make(map[uint32]*outCall)
	c.npending.Store(0)
	c.pmu.Unlock()
	for _, oc := range calls {
		oc.err = err
		oc.done <- struct{}{}
	}
}

// addPending registers a call under a new seq, or reports that the
// connection is closed.
func (c *conn) addPending(oc *outCall) bool {
	seq := c.seq.Add(1)
	if seq == 0 {
		seq = c.seq.Add(1)
	}
	oc.w.Seq = seq
	c.pmu.Lock()
	defer c.pmu.Unlock()
	select {
	case <-c.closed:
		return false
	default:
	}
	c.pending[seq] = oc
	c.npending.Add(1)
	return true
}

// takePending removes and returns the call waiting on seq.
func (c *conn) takePending(seq uint32) *outCall {
	c.pmu.Lock()
	oc := c.pending[seq]
	if oc != nil {
		delete(c.pending, seq)
		c.npending.Add(-1)
	}
	c.pmu.Unlock()
	return oc
}

// lone reports whether at most one piece of work is in flight on the
// connection either way: one call of this side waiting for its reply, or
// one handler of this side running. Its sender then writes its frame
// itself, saving the switch to the flusher goroutine.
func (c *conn) lone() bool { return c.npending.Load()+c.active.Load() <= 1 }

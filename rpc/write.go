package rpc

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// errMoved tells a sender that the connection takes no new work (a go-away
// went one way or the other): it should pick the session's next connection.
var errMoved = errors.New("rpc: connection is going away")

// writer is a connection's write queue. Senders append encoded frames to one
// buffer under a lock; whoever finds no write in progress writes the buffer
// itself, in one syscall for all the frames queued so far. If more frames
// arrived while it wrote, it hands the rest to the connection's flusher
// goroutine and returns, so a sender never keeps writing for others and a
// lone caller pays no goroutine switch. Concurrent callers thus share write
// syscalls, and the queue drains in order.
type writer struct {
	c *conn

	mu      sync.Mutex
	buf     []byte
	spare   []byte
	busy    bool  // a write is in progress, or the flusher owns the queue
	err     error // the first write error; the connection is closing
	noNew   bool  // no new calls or pushes: a go-away went one way or the other
	closing bool  // close the connection once the queue is empty
	room    chan struct{}

	kick chan struct{} // wakes the flusher goroutine
}

// queueLimit is how many bytes may wait before senders wait for room.
func (w *writer) queueLimit() int { return max(w.c.ep.cfg.MaxMessageSize, 1<<20) }

// send queues m's frame. newWork marks calls and pushes, which a connection
// that is going away refuses with errMoved. It waits for room in the queue
// until ctx ends. The frame is on the wire, or on its way, when send returns.
func (w *writer) send(ctx context.Context, m *wire.Message, newWork bool) error {
	w.mu.Lock()
	for {
		if w.err != nil {
			err := w.err
			w.mu.Unlock()
			return err
		}
		if newWork && w.noNew {
			w.mu.Unlock()
			return errMoved
		}
		if len(w.buf) < w.queueLimit() {
			break
		}
		if w.room == nil {
			w.room = make(chan struct{})
		}
		room := w.room
		w.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-w.c.closed:
		}
		w.mu.Lock()
	}
	buf, err := w.c.framer.AppendMessage(w.buf, m)
	if err != nil {
		w.mu.Unlock()
		return err
	}
	w.buf = buf
	if w.busy {
		w.mu.Unlock()
		return nil
	}
	w.busy = true
	w.flush(1)
	return nil
}

// sendControl queues a control frame (cancel, go-away, ack) without waiting:
// if the queue is full or failed, the frame is dropped, which the protocol
// tolerates. setNoNew also stops new work, in the same critical section, so
// that no call can be queued after a go-away or its ack.
func (w *writer) sendControl(m *wire.Message, setNoNew bool) {
	w.mu.Lock()
	if setNoNew {
		w.noNew = true
		w.c.noNew.Store(true)
	}
	if w.err != nil || len(w.buf) >= w.queueLimit() {
		w.mu.Unlock()
		return
	}
	buf, err := w.c.framer.AppendMessage(w.buf, m)
	if err == nil {
		w.buf = buf
	}
	if w.busy {
		w.mu.Unlock()
		return
	}
	w.busy = true
	w.flush(1)
}

// closeWhenFlushed closes the connection gracefully once every queued frame
// is written.
func (w *writer) closeWhenFlushed() {
	w.mu.Lock()
	w.closing = true
	if w.busy {
		w.mu.Unlock()
		return
	}
	w.busy = true
	w.flush(1)
}

// flush writes the queue, at most rounds times (negative: until it is
// empty), then hands the rest to the flusher goroutine. It is called with
// w.mu held and w.busy set, and returns with w.mu released.
func (w *writer) flush(rounds int) {
	for i := 0; len(w.buf) > 0; i++ {
		if i == rounds {
			select {
			case w.kick <- struct{}{}:
			default:
			}
			w.mu.Unlock()
			return
		}
		out := w.buf
		w.buf = w.spare[:0]
		w.mu.Unlock()
		err := w.write(out)
		w.mu.Lock()
		if cap(out) <= 64<<10 {
			w.spare = out[:0]
		} else {
			w.spare = nil // do not pin a large buffer on an idle connection
		}
		if w.room != nil && len(w.buf) < w.queueLimit() {
			close(w.room)
			w.room = nil
		}
		if err != nil {
			w.err = err
			w.busy = false
			w.mu.Unlock()
			select {
			case <-w.c.closed: // this side closed it; nothing to report
			default:
				w.c.ep.log.Warn("rpc: write failed; closing the connection", "remote", w.c.remote(), "err", err.Error())
			}
			w.c.fail(StatusOf(err))
			return
		}
	}
	w.busy = false
	closing := w.closing
	w.mu.Unlock()
	if closing {
		w.c.fail(nil)
	}
}

func (w *writer) write(b []byte) error {
	if t := w.c.ep.cfg.WriteTimeout; t > 0 {
		w.c.nc.SetWriteDeadline(time.Now().Add(t))
	}
	_, err := w.c.nc.Write(b)
	if err != nil {
		return WrapStatus(CodeWriteFailed, "", err)
	}
	return nil
}

// failed marks the queue failed with err and wakes senders waiting for room.
func (w *writer) failed(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	if w.room != nil {
		close(w.room)
		w.room = nil
	}
	w.mu.Unlock()
}

// loop is the flusher goroutine: it drains the queue when a sender hands it
// over, until the connection closes.
func (w *writer) loop() {
	for {
		select {
		case <-w.kick:
			w.mu.Lock()
			w.flush(-1)
		case <-w.c.closed:
			return
		}
	}
}

package rpc

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// errMoved tells a sender that the connection takes no new work (a go-away
// went one way or the other): it should pick the session's next connection.
var errMoved = errors.New("rpc: connection is going away")

// writer is a connection's write queue. Senders append encoded frames to one
// buffer under a lock and wake the connection's flusher goroutine, which
// first yields the processor once, so that the goroutines already runnable
// (callers woken by a batch of replies, handlers started by a batch of
// calls) append their frames too, and then writes everything queued in one
// syscall: under load, one write carries dozens of frames (measured: 0.14
// write syscalls per call at 64 concurrent callers, client and server
// together, against 1.16 when each sender wrote for itself). A sender with
// nothing else in flight on the connection (conn.lone) writes its frame
// itself instead: a goroutine switch is all the flusher would add, and on
// a multi-core machine a switch to another thread costs more than the
// write. While the reader runs the handlers of a batch of calls itself,
// their replies wait in the queue without waking the flusher (deferred)
// until the batch ends (inline.go), and the reader writes them itself: a
// peer that does not read then stops this connection's reading too, until
// WriteTimeout, as it stops a lone call's.
type writer struct {
	c *conn

	mu    sync.Mutex
	buf   []byte
	spare []byte
	busy  bool  // the flusher owns the queue until it is empty
	err   error // the first write error; the connection is closing
	noNew bool  // drainNoNew, set under mu so that no call is queued after a go-away
	// deferred holds queued frames back from the flusher: the reader is
	// running handlers of a batch of calls itself, and wakes the flusher
	// once it reaches the end of the batch (endDeferral), or the queue
	// holds maxDeferred bytes.
	deferred bool
	closing  bool // close the connection once the queue is empty
	room     chan struct{}
	held     int // bytes of the endpoint's memory budget that queued frames hold
	credit   int // bytes reserved from the budget for frames yet to come

	kick chan struct{} // wakes the flusher goroutine

	armed time.Time // the write deadline set last; only the writing goroutine (busy) uses it
}

// writeCredit is how much of the memory budget a queue reserves at a time,
// so that the frames of a busy connection do not each touch the budget, a
// counter shared by every connection of the endpoint.
const writeCredit = 64 << 10

// reserveLocked reserves n bytes just queued from the endpoint's memory
// budget, and reports false (the caller takes them back off the queue and
// waits for room) when the budget is spent and the queue already holds
// frames: a connection always gets one frame through, so that a spent
// budget slows every connection down but stops none.
func (w *writer) reserveLocked(n int, queued bool) bool {
	if n <= w.credit {
		w.credit -= n
		w.held += n
		return true
	}
	b := w.c.ep.budget
	if need := n - w.credit; b.TryReserve(int64(max(need, writeCredit))) {
		w.credit = max(need, writeCredit) - need
	} else if b.TryReserve(int64(need)) {
		w.credit = 0
	} else {
		return !queued
	}
	w.held += n
	return true
}

// releaseLocked takes back the budget of n bytes that left the queue, as
// credit for the frames to come; drainedLocked gives the credit back.
func (w *writer) releaseLocked(n int) {
	n = min(n, w.held)
	w.held -= n
	w.credit += n
}

// drainedLocked gives the budget back to the endpoint once the queue is
// empty, so that an idle connection holds none of it.
func (w *writer) drainedLocked() {
	w.c.ep.budget.Release(int64(w.credit))
	w.credit = 0
}

// queueLimit is how many bytes may wait before senders wait for room.
func (w *writer) queueLimit() int { return max(w.c.ep.cfg.MaxMessageSize, 1<<20) }

// send queues m's frame. newWork marks calls and pushes, which a connection
// that is going away refuses with errMoved. It waits for room in the queue,
// and in the endpoint's memory budget, until ctx ends. The frame is on its
// way when send returns.
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
			buf, err := w.c.framer.AppendMessage(w.buf, m)
			if err != nil {
				w.mu.Unlock()
				return err
			}
			if w.reserveLocked(len(buf)-len(w.buf), len(w.buf) > 0) {
				w.buf = buf
				break
			}
			// The budget is spent: the frame waits for this queue to
			// drain, and is appended again then.
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
	if w.deferred {
		if len(w.buf) < maxDeferred {
			w.mu.Unlock()
			return nil
		}
		w.deferred = false
	}
	if !w.busy && w.c.lone() {
		// Nothing else is in flight to coalesce with: write now, in this
		// goroutine, rather than wake the flusher and wait for it.
		w.busy = true
		w.mu.Unlock()
		w.flush()
		return nil
	}
	w.wakeLocked()
	w.mu.Unlock()
	return nil
}

// sendControl queues a control frame (cancel, go-away, ack) without waiting:
// if the queue is full or failed, the frame is dropped, which the protocol
// tolerates. setNoNew also stops new work, in the same critical section, so
// that no call can be queued after a go-away or its ack.
func (w *writer) sendControl(m *wire.Message, setNoNew bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if setNoNew {
		w.noNew = true
		w.c.drain.set(drainNoNew)
	}
	if w.err != nil || len(w.buf) >= w.queueLimit() {
		return
	}
	if buf, err := w.c.framer.AppendMessage(w.buf, m); err == nil {
		w.buf = buf
		w.wakeLocked()
	}
}

// sendRaw queues bytes that are already encoded, without waiting; a full or
// failed queue drops them. Formats use it for interim answers.
func (w *writer) sendRaw(b []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || len(w.buf) >= w.queueLimit() {
		return
	}
	w.buf = append(w.buf, b...)
	w.wakeLocked()
}

// deferFlush holds the frames queued from now on back from the flusher,
// until endDeferral.
func (w *writer) deferFlush() {
	w.mu.Lock()
	w.deferred = true
	w.mu.Unlock()
}

// endDeferral writes the frames held back since deferFlush, in the
// calling goroutine (the reader, about to wait for the network) unless the
// flusher is writing already.
func (w *writer) endDeferral() {
	w.mu.Lock()
	if !w.deferred {
		w.mu.Unlock()
		return
	}
	w.deferred = false
	if len(w.buf) == 0 || w.busy {
		w.mu.Unlock()
		return
	}
	w.busy = true
	w.mu.Unlock()
	w.flush()
}

// stopNewWork refuses new calls and pushes from now on.
func (w *writer) stopNewWork() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.noNew = true
	w.c.drain.set(drainNoNew)
}

// closeWhenFlushed closes the connection gracefully once every queued frame
// is written.
func (w *writer) closeWhenFlushed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closing = true
	w.wakeLocked()
}

// wakeLocked hands the queue to the flusher unless it already has it.
func (w *writer) wakeLocked() {
	if w.busy {
		return
	}
	w.busy = true
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// loop is the flusher goroutine: it drains the queue each time a sender
// wakes it, until the connection closes.
func (w *writer) loop() {
	for {
		select {
		case <-w.kick:
			runtime.Gosched() // let the runnable senders queue their frames first
			w.flush()
		case <-w.c.closed:
			return
		}
	}
}

// flush writes the queue until it is empty, then gives it back to senders.
func (w *writer) flush() {
	w.mu.Lock()
	for len(w.buf) > 0 {
		out := w.buf
		w.buf = w.spare[:0]
		w.mu.Unlock()
		err := w.write(out)
		w.mu.Lock()
		w.releaseLocked(len(out))
		if cap(out) <= maxSpareWrite {
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
				w.c.ep.logPeer(slog.LevelWarn, "rpc: write failed; closing the connection", "", "remote", w.c.remote(), "err", err.Error())
			}
			w.c.fail(StatusOf(err))
			return
		}
	}
	w.drainedLocked()
	w.busy = false
	closing := w.closing
	w.mu.Unlock()
	if closing {
		w.c.fail(nil)
	}
}

// write writes b. The write deadline is re-armed only when it would fall
// more than an eighth of WriteTimeout short, so that a busy connection does
// not pay for a timer update per write: a write gets at least 7/8 of
// WriteTimeout. Only the goroutine holding busy writes.
func (w *writer) write(b []byte) error {
	if t := w.c.ep.cfg.WriteTimeout; t > 0 {
		if dl := time.Now().Add(t); w.armed.IsZero() || dl.Sub(w.armed) >= t/8 {
			w.c.nc.SetWriteDeadline(dl)
			w.armed = dl
		}
	}
	n, err := w.c.nc.Write(b)
	w.c.ep.bytesWritten.Add(uint64(n))
	if err != nil {
		return WrapStatus(CodeWriteFailed, "", err)
	}
	return nil
}

// failed marks the queue failed with err and wakes senders waiting for room.
func (w *writer) failed(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
	w.releaseLocked(w.held)
	w.drainedLocked()
	if w.room != nil {
		close(w.room)
		w.room = nil
	}
}

// maxDeferred is the most bytes held back from the flusher while a reader
// runs a batch of calls itself: about what one write system call carries.
const maxDeferred = 64 << 10

// maxSpareWrite is the largest write buffer a connection keeps for reuse.
// Batches under heavy load reach a few hundred KiB; reusing them avoids an
// allocation per flush, and a connection holds at most two such buffers.
const maxSpareWrite = 1 << 20

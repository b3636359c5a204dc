package http

// maxKeptBuffer is the largest response buffer a slot keeps for reuse.
const maxKeptBuffer = 64 << 10

// slot is a response this side owes: what the reader learnt of the
// request it answers, and the response itself once rendered out of turn.
type slot struct {
	seq       uint32 // the key replies find it by
	ord       uint32 // the request's ordinal on the connection, by which a cancel names it
	call      bool   // a call handed over: a cancel may name it
	control   bool   // the framer answers it 204 No Content: a cancel or go-away request, a JSON-RPC body that wants no answer
	rpcBody   bool   // a JSON-RPC body with messages to answer: its response is the exchange's answer body
	status    int    // the status of a request the framer refused; 0: from the reply's code
	code      int32  // the rpc code of that refusal
	allow     string // the Allow header of a 405
	push      bool   // a push: 202 Accepted once accepted
	head      bool   // a HEAD request: the response has no body
	close     bool   // the response says "Connection: close"
	http10    bool   // the request was HTTP/1.0: no interim response may precede the answer
	keepAlive bool   // an HTTP/1.0 request kept alive: the response says so
	done      bool   // the response is rendered in buf, or the framer answers it (control)
	buf       []byte
}

// order is the reorder buffer: the responses owed, in the order of their
// requests. Replies come in any order; a response is written when every
// response before it has been.
type order struct {
	slots    []slot // slots[first:] are owed
	first    int
	buffered int // bytes of the responses rendered out of turn
}

// len returns the number of responses owed.
func (o *order) len() int { return len(o.slots) - o.first }

// add appends a response owed, reusing the buffer of a slot used before.
func (o *order) add(s slot) {
	if o.first == len(o.slots) {
		o.slots, o.first = o.slots[:0], 0
	} else if o.first > 0 && len(o.slots) == cap(o.slots) {
		n := copy(o.slots, o.slots[o.first:])
		clear(o.slots[n:]) // their buffers now belong to the slots moved down
		o.slots, o.first = o.slots[:n], 0
	}
	n := len(o.slots)
	if n < cap(o.slots) {
		s.buf = o.slots[:n+1][n].buf[:0]
	}
	o.slots = append(o.slots, s)
}

// find returns the index of the slot of seq, or -1.
func (o *order) find(seq uint32) int {
	for i := o.first; i < len(o.slots); i++ {
		if o.slots[i].seq == seq && !o.slots[i].done {
			return i
		}
	}
	return -1
}

// findOrd returns the index of the slot of the request with ordinal ord
// whose response is not rendered yet, or -1.
func (o *order) findOrd(ord uint32) int {
	for i := o.first; i < len(o.slots); i++ {
		if o.slots[i].ord == ord && !o.slots[i].done {
			return i
		}
	}
	return -1
}

// turn reports whether the response of slot i may be written now: every
// response before it is done.
func (o *order) turn(i int) bool {
	for k := o.first; k < i; k++ {
		if !o.slots[k].done {
			return false
		}
	}
	return true
}

// pop removes the first slot, keeping its buffer for reuse unless large.
func (o *order) pop() {
	s := &o.slots[o.first]
	if s.done {
		o.buffered -= len(s.buf)
	}
	buf := s.buf[:0]
	if cap(buf) > maxKeptBuffer {
		buf = nil
	}
	*s = slot{buf: buf}
	o.first++
}

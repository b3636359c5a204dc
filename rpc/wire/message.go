package wire

import (
	"fmt"
	"time"

	"github.com/dmicro-go/dmicro/internal/bufpool"
)

// Type says what a message is for.
type Type uint8

// The message types. Every format carries all of them.
const (
	// TypeCall asks the peer to run Method and answer with a TypeReply of the same Seq.
	TypeCall Type = 1
	// TypeReply answers the TypeCall with the same Seq.
	TypeReply Type = 2
	// TypePush delivers a one-way message to Method; it is never answered.
	TypePush Type = 3
	// TypeCancel tells the peer that the caller of call Seq gave up on it;
	// Code, when set, says why (the rpc package's code for a deadline or a
	// cancellation).
	TypeCancel Type = 4
	// TypeGoAway tells the peer that the sender starts no new work on this
	// connection: the peer should stop sending new calls and pushes on it
	// and answer with TypeGoAwayAck. A GoAway with a Code is a connection
	// error: the sender closes the connection right after it.
	TypeGoAway Type = 5
	// TypeGoAwayAck answers TypeGoAway: the sender of the ack sends no new
	// calls or pushes on this connection, only replies.
	TypeGoAwayAck Type = 6
)

// String returns the type's upper-case name, or "TYPE(n)".
func (t Type) String() string {
	switch t {
	case TypeCall:
		return "CALL"
	case TypeReply:
		return "REPLY"
	case TypePush:
		return "PUSH"
	case TypeCancel:
		return "CANCEL"
	case TypeGoAway:
		return "GOAWAY"
	case TypeGoAwayAck:
		return "GOAWAY_ACK"
	}
	return "TYPE(" + itoa(int(t)) + ")"
}

// Valid reports whether t is one of the defined types.
func (t Type) Valid() bool { return t >= TypeCall && t <= TypeGoAwayAck }

// Message is one frame's content, independent of the format that carries it.
//
// A Message read by a [Framer] may hold a pooled buffer that Body points
// into (see [Message.AllocBody]); [Message.Release] gives it back. A
// Message is not safe for concurrent use.
type Message struct {
	Type Type
	// Seq pairs a call with its reply and cancel. Pushes and go-aways may
	// leave it 0.
	Seq uint32
	// Method is the routed path of a call or push ("/math/add"). Replies
	// leave it empty.
	Method string
	// Timeout is the time the caller has left when the call is sent; zero
	// means no deadline. It is relative so that clock skew does not matter.
	Timeout time.Duration
	// Code is a reply's status code; zero means success. Error is the status
	// message when Code is not zero.
	Code  int32
	Error string
	// Meta is the message's metadata.
	Meta Metadata
	// Codec is the id of the codec that encoded Body; zero when there is no body.
	Codec byte
	// ReplyCodec is, on a call, the id of the codec the caller asks the
	// reply to be encoded in; zero means the call's own codec. A format
	// that can carry it sets it on the calls it reads (http, from the
	// Accept header); the others leave it zero and do not write it.
	ReplyCodec byte
	// Filters lists the transfer filters applied to Body, in the order they
	// were applied; the receiver undoes them in reverse.
	Filters []byte
	// Body is the encoded (and filtered) body.
	Body []byte

	buf      *[]byte
	budget   *Budget // where reserved came from
	reserved int64   // bytes of budget that m holds; see Reserve
}

// Reserve reserves n more bytes of b for m, for a buffer that a framer is
// about to allocate, and reports an error wrapping [ErrOverBudget] when b
// has fewer left. [Message.Release] and [Message.Reset] give the
// reservation back. A nil b reserves nothing. m reserves from one budget
// at a time: a reservation from another is given back first.
func (m *Message) Reserve(b *Budget, n int) error {
	if b == nil || n <= 0 {
		return nil
	}
	if m.budget != b {
		m.releaseBudget()
		m.budget = b
	}
	if !b.TryReserve(int64(n)) {
		return fmt.Errorf("%w: %d bytes asked, %d of %d in use", ErrOverBudget, n, b.Used(), b.Limit())
	}
	m.reserved += int64(n)
	return nil
}

// releaseBudget gives back what m reserved.
func (m *Message) releaseBudget() {
	if m.reserved > 0 {
		m.budget.Release(m.reserved)
	}
	m.budget, m.reserved = nil, 0
}

// AllocBody returns a slice of length n from the frame pool, for a framer
// to read a frame or a body into, and makes m its owner: [Message.Release]
// and [Message.Reset] give it back, after which nothing may use it. A
// buffer that m held before is given back first, and Body, which may point
// into it, is set to nil: the framer sets Body to the part of the slice
// that is the body.
//
// A reservation made with [Message.Reserve] is kept.
func (m *Message) AllocBody(n int) []byte {
	if m.buf != nil {
		bufpool.Put(m.buf)
	}
	m.Body = nil
	m.buf = bufpool.Get(n)
	return *m.buf
}

// GrowBody is [Message.AllocBody] for a body whose size is learnt as it is
// read (HTTP's chunked encoding): it returns a slice of length n that
// starts with the bytes of the slice the last AllocBody or GrowBody
// returned, as many as fit (bytes written past that slice's length may be
// lost). They stay where they are when the buffer's capacity allows;
// otherwise they are copied to a larger buffer from the pool and the old
// one is given back. Either way Body is set to nil. With no buffer held,
// GrowBody is AllocBody.
func (m *Message) GrowBody(n int) []byte {
	m.Body = nil
	switch {
	case m.buf == nil:
		m.buf = bufpool.Get(n)
	case n <= cap(*m.buf):
		*m.buf = (*m.buf)[:n]
	default:
		nb := bufpool.Get(n)
		copy(*nb, *m.buf)
		bufpool.Put(m.buf)
		m.buf = nb
	}
	return *m.buf
}

// Release returns the buffer m holds, if any, to the frame pool. Body must
// not be used after it.
func (m *Message) Release() {
	if m.buf != nil {
		bufpool.Put(m.buf)
		m.buf = nil
	}
	m.releaseBudget()
	m.Body = nil
}

// Reset releases m's buffer and clears every field, keeping the capacity of
// Meta and Filters for reuse.
func (m *Message) Reset() {
	m.Release()
	meta, filters := m.Meta.kv[:0], m.Filters[:0]
	*m = Message{}
	m.Meta.kv, m.Filters = meta, filters
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

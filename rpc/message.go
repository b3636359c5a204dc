package rpc

import (
	"context"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Metadata is the key/value pairs a message carries; see [wire.Metadata].
type Metadata = wire.Metadata

// MessageType says what a message is for; see [wire.Type].
type MessageType = wire.Type

// The message types hooks see.
const (
	TypeCall  = wire.TypeCall
	TypeReply = wire.TypeReply
	TypePush  = wire.TypePush
)

// Message is a call, reply or push on its way through the endpoint, as the
// hooks see it. It is valid only during the hook that received it.
type Message struct {
	w      *wire.Message
	method string // a reply's view of the method of the call it answers
	sess   *Session
	ctx    context.Context
	body   any
	status *Status
	in     *inbound // the call or push being handled, on the receiving side
	oc     *outCall // the call or push being sent, on the sending side
}

// Session returns the session the message travels on.
func (m *Message) Session() *Session { return m.sess }

// Context returns the context of the call or push: the caller's on the
// sending side, the handler's on the receiving side.
func (m *Message) Context() context.Context {
	if m.ctx == nil {
		return context.Background()
	}
	return m.ctx
}

// Type returns TypeCall, TypeReply or TypePush.
func (m *Message) Type() MessageType { return m.w.Type }

// Seq returns the sequence number that pairs a call with its reply.
func (m *Message) Seq() uint32 { return m.w.Seq }

// ServiceMethod returns the routed path, such as "/math/add". On a reply it
// is the method of the call it answers.
func (m *Message) ServiceMethod() string {
	if m.method != "" {
		return m.method
	}
	return m.w.Method
}

// SetServiceMethod changes the path of a call or push. In an
// AfterRead*Header hook it changes where the message is routed; in a
// BeforeWrite hook, where it is sent. On a reply it does nothing.
func (m *Message) SetServiceMethod(method string) {
	if m.w.Type != TypeReply {
		m.w.Method = method
	}
}

// Meta returns the message's metadata, which Before hooks may change.
func (m *Message) Meta() *Metadata { return &m.w.Meta }

// BodyCodec returns the id of the body's codec (0 before it is chosen).
func (m *Message) BodyCodec() byte { return m.w.Codec }

// Body returns the Go value of the body: the argument or reply being sent,
// or, after the body was read, the decoded value, which is the pointer the
// handler receives (a *T for a handler of *T).
func (m *Message) Body() any { return m.body }

// RawBody returns the encoded body: after encoding on the sending side, and
// as received on the reading side. It must not be kept after the hook.
func (m *Message) RawBody() []byte { return m.w.Body }

// Status returns the status a reply carries; nil for success, calls and pushes.
func (m *Message) Status() *Status { return m.status }

// Timeout returns the time the caller had left when the call was sent, or
// zero for no deadline.
func (m *Message) Timeout() time.Duration { return m.w.Timeout }

// Filters returns the ids of the transfer filters applied to the body, in
// the order they were applied: as chosen for a message being sent (after
// its body was encoded), as listed in the frame of one received. A reply
// goes back through the filters of its call. The slice must not be kept or
// changed.
func (m *Message) Filters() []byte { return m.w.Filters }

// SetFilters chooses the transfer filters (by name, from Config.Filters)
// of a call or push being sent, as [WithFilters] does; with no names, none.
// It works before the body is encoded: in a [CallInterceptor], before it
// calls next. Elsewhere it does nothing. An unknown name fails the call
// with CodeInvalidArgument.
func (m *Message) SetFilters(names ...string) {
	if m.oc != nil && m.w == &m.oc.w {
		m.oc.opts.filters, m.oc.opts.filtersSet = names, true
	}
}

// ReadAt returns when a received call or push was read (its header), on
// the receiving side: in its hooks, its handler's interceptors, and the
// hooks of its reply, where time.Since(m.ReadAt()) is how long the call
// took from read to reply. It is zero on the sending side.
func (m *Message) ReadAt() time.Time {
	if m.in == nil {
		return time.Time{}
	}
	return m.sess.ep.at(m.in.start)
}

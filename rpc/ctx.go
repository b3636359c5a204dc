package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// Why a handler's context ended, as context.Cause reports it. Its Err is
// context.DeadlineExceeded for ErrCallerDeadline and context.Canceled for
// the others.
var (
	// ErrCallerCanceled: the caller canceled the call (its context ended
	// early) and said so.
	ErrCallerCanceled = errors.New("rpc: the caller canceled the call")
	// ErrCallerDeadline: the deadline the call carried has passed.
	ErrCallerDeadline = fmt.Errorf("rpc: the caller's deadline passed: %w", context.DeadlineExceeded)
	// ErrConnClosed: the connection the call arrived on closed (the
	// session or the endpoint was closed, or the connection failed); the
	// reply could not be delivered.
	ErrConnClosed = errors.New("rpc: the connection closed")
	// ErrPeerClosed: the peer closed its side of the connection and will
	// send nothing more; replies of handlers that finish are still written.
	ErrPeerClosed = errors.New("rpc: the peer closed its side of the connection")
	// ErrHandlerReturned: the handler returned.
	ErrHandlerReturned = errors.New("rpc: the handler returned")
)

// CallCtx is what a call handler sees of its call: the session, the
// request's metadata and body, and the reply's metadata and codec.
//
// A handler receives it as its first argument (func(ctx *rpc.CallCtx, arg
// *T) (R, error)), or embeds rpc.CallCtx in the struct whose methods it
// registers, as DMicro's handlers do. It is valid until the handler returns;
// keep only what it returns (Context is cancelled then).
type CallCtx struct {
	inCtx
}

// PushCtx is what a push handler sees of its push.
type PushCtx struct {
	inCtx
}

// inCtx holds the methods calls and pushes share.
type inCtx struct {
	in *inbound
}

// Context returns the handler's context: the one the last interceptor
// handed on (see [HandlerInterceptor]), which derives from the call's own.
// It ends when the caller's deadline passes, when the caller cancels the
// call, when the connection ends, and when the handler returns. Its Err is
// then context.DeadlineExceeded or context.Canceled, and context.Cause
// tells which of [ErrCallerDeadline], [ErrCallerCanceled], [ErrConnClosed],
// [ErrPeerClosed] or [ErrHandlerReturned] ended it.
func (c inCtx) Context() context.Context { return c.in.handlerCtx() }

// Session returns the session the message arrived on. Calls and pushes to
// the peer may be made on it, also from inside the handler.
func (c inCtx) Session() *Session { return c.in.conn.s }

// Endpoint returns the endpoint that received the message.
func (c inCtx) Endpoint() *Endpoint { return c.in.conn.ep }

// RemoteAddr returns the peer's address.
func (c inCtx) RemoteAddr() net.Addr { return c.in.conn.nc.RemoteAddr() }

// LocalAddr returns the local address of the connection.
func (c inCtx) LocalAddr() net.Addr { return c.in.conn.nc.LocalAddr() }

// ServiceMethod returns the routed path, such as "/math/add".
func (c inCtx) ServiceMethod() string { return c.in.w.Method }

// Seq returns the message's sequence number.
func (c inCtx) Seq() uint32 { return c.in.w.Seq }

// PeekMeta returns the value of a request metadata key, or "".
func (c inCtx) PeekMeta(key string) string { return c.in.w.Meta.Get(key) }

// RequestMeta returns the request's metadata. Treat it as read-only.
func (c inCtx) RequestMeta() *Metadata { return &c.in.w.Meta }

// BodyCodec returns the id of the codec the body was encoded with.
func (c inCtx) BodyCodec() byte { return c.in.w.Codec }

// RawBody returns the body as received. It is valid until the handler returns.
func (c inCtx) RawBody() []byte { return c.in.w.Body }

// Decode decodes the body into v with the body's codec. Fallback handlers,
// which get no decoded argument, use it.
func (c inCtx) Decode(v any) error {
	return decodeBody(c.in.conn.ep.codecs, c.in.w.Body, c.in.w.Codec, v)
}

// SetReplyMeta sets a metadata pair on the reply.
func (c *CallCtx) SetReplyMeta(key, value string) { c.in.replyMeta.Set(key, value) }

// ReplyMeta returns the reply's metadata, which the handler may change.
func (c *CallCtx) ReplyMeta() *Metadata { return &c.in.replyMeta }

// SetReplyCodec makes the reply use the codec of that name instead of the
// request's. It returns a CodeCodec status for an unknown name.
func (c *CallCtx) SetReplyCodec(name string) error {
	cd := c.in.conn.ep.codecs.ByName(name)
	if cd == nil {
		return NewStatus(CodeCodec, "unknown codec "+name)
	}
	c.in.replyCodec = cd.ID()
	return nil
}

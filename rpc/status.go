package rpc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dmicro-go/dmicro/codec"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Status is the error every failed call gives its caller: a [Code], a
// message, and, on the side where it arose, the error that caused it.
//
// A nil *Status means success, so handlers in the seed's form may return
// (reply, *Status). Status values are immutable and safe to share.
// errors.Is matches two statuses with the same code, CodeCanceled with
// context.Canceled, and CodeDeadlineExceeded with context.DeadlineExceeded
// and os.ErrDeadlineExceeded; errors.As and Unwrap reach the cause.
type Status struct {
	code    Code
	msg     string
	cause   error
	notSent bool // the call or push failed before its frame was queued
}

// ErrNotSent is matched (errors.Is) by the error of a call or push that
// failed before its frame was queued for a connection, so that the peer
// never saw it: the session was down or closed, its connection failed or
// went away under it with no other to take it, or the caller's context
// ended while it waited for room. Such a call may be sent again, to this
// peer or another, without running its handler twice; a call whose error
// does not match it may have reached the handler. The error's code is
// unchanged (CodeUnavailable, CodeConnClosed, ...).
var ErrNotSent = errors.New("rpc: not sent")

// NewStatus returns a status with code and message.
func NewStatus(code Code, msg string) *Status {
	return &Status{code: code, msg: msg}
}

// Errorf returns a status whose message is formatted like fmt.Errorf; a %w
// verb makes that error the cause. A *Status given to %w adds its message,
// not its code again.
func Errorf(code Code, format string, args ...any) *Status {
	err := fmt.Errorf(format, args...)
	st := &Status{code: code, msg: causeText(err)}
	switch e := err.(type) {
	case interface{ Unwrap() error }:
		st.cause = e.Unwrap() // one %w: that error is the cause
	case interface{ Unwrap() []error }:
		st.cause = err // several: keep them all reachable
	}
	return st
}

// WrapStatus returns a status with code whose cause is err and whose
// message is msg followed by what err says. Each thing is said once: a
// *Status cause adds its message without its code, a cause whose message
// already begins with msg adds nothing of msg, and the "rpc: " that
// every status prints in front is not repeated inside.
func WrapStatus(code Code, msg string, err error) *Status {
	return &Status{code: code, msg: joinMessage(msg, causeText(err)), cause: err}
}

// causeText returns what err says, as the message of a status built on it.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	text := err.Error()
	var st *Status
	if errors.As(err, &st) && st != nil {
		// The words around the status, if err wraps it, and the status's
		// message without its "rpc: <code>: " prefix.
		text = strings.Replace(text, st.Error(), st.msg, 1)
	}
	return strings.TrimPrefix(text, "rpc: ")
}

// joinMessage puts msg in front of inner unless inner already says it.
func joinMessage(msg, inner string) string {
	switch {
	case inner == "":
		return msg
	case msg == "" || inner == msg || strings.HasPrefix(inner, msg+": "):
		return inner
	}
	return msg + ": " + inner
}

// Code returns the status code; zero for a nil status.
func (s *Status) Code() Code {
	if s == nil {
		return 0
	}
	return s.code
}

// Message returns the status message.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return s.msg
}

// Error returns "rpc: <code>: <message>".
func (s *Status) Error() string {
	if s == nil {
		return "rpc: ok"
	}
	if s.msg == "" {
		return "rpc: " + s.code.String()
	}
	return "rpc: " + s.code.String() + ": " + s.msg
}

// Unwrap returns the cause, if any.
func (s *Status) Unwrap() error {
	if s == nil {
		return nil
	}
	return s.cause
}

// Is reports whether target is a *Status with the same code, the context
// error that the code stands for, or ErrNotSent for a call that was not
// sent.
func (s *Status) Is(target error) bool {
	if s == nil {
		return false
	}
	if t, ok := target.(*Status); ok {
		return t != nil && t.code == s.code
	}
	if target == ErrNotSent {
		return s.notSent
	}
	switch s.code {
	case CodeCanceled:
		return target == context.Canceled
	case CodeDeadlineExceeded:
		return target == context.DeadlineExceeded || target == os.ErrDeadlineExceeded
	}
	return false
}

// CodeOf returns the code of err: the code of the *Status it wraps,
// CodeCanceled or CodeDeadlineExceeded for context errors, CodeCodec for
// codec errors, CodeTooLarge for oversized messages, CodeUnknown for any
// other error, and 0 for nil.
func CodeOf(err error) Code {
	return StatusOf(err).Code()
}

// StatusOf converts err to a *Status, following the same rules as [CodeOf].
// It returns nil for nil.
func StatusOf(err error) *Status {
	if err == nil {
		return nil
	}
	if s, ok := err.(*Status); ok && s == nil {
		return nil // a nil *Status returned as an error is success
	}
	var s *Status
	if errors.As(err, &s) && s != nil {
		return s
	}
	switch {
	case err == context.Canceled:
		return &Status{code: CodeCanceled, cause: err} // the code says it all
	case err == context.DeadlineExceeded:
		return &Status{code: CodeDeadlineExceeded, cause: err}
	case errors.Is(err, context.Canceled):
		return WrapStatus(CodeCanceled, "", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return WrapStatus(CodeDeadlineExceeded, "", err)
	case errors.Is(err, wire.ErrOverBudget):
		return WrapStatus(CodeOverloaded, "", err)
	case errors.Is(err, wire.ErrTooLarge):
		return WrapStatus(CodeTooLarge, "", err)
	case errors.Is(err, wire.ErrMalformed), errors.Is(err, wire.ErrIntegrity):
		return WrapStatus(CodeBadMessage, "", err)
	case errors.Is(err, codec.ErrDecode), errors.Is(err, codec.ErrUnsupportedType):
		return WrapStatus(CodeCodec, "", err)
	}
	return WrapStatus(CodeUnknown, "", err)
}

// statusFromWire rebuilds a status that came in a frame.
func statusFromWire(code int32, msg string) *Status {
	if code == 0 {
		return nil
	}
	return &Status{code: Code(code), msg: msg}
}

// Predefined statuses for the common failures. They carry no cause.
var (
	errSessionClosed  = NewStatus(CodeConnClosed, "session closed")
	errEndpointClosed = NewStatus(CodeConnClosed, "endpoint closed")
	errShuttingDown   = NewStatus(CodeUnavailable, "endpoint is shutting down")
	errReconnecting   = NewStatus(CodeUnavailable, "session is reconnecting")
	errPeerGoingAway  = NewStatus(CodeUnavailable, "peer is going away")
	errOverloaded     = NewStatus(CodeOverloaded, "handler limit reached")
)

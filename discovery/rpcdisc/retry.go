package rpcdisc

import (
	"errors"

	"github.com/dmicro-go/dmicro/rpc"
)

// NotSent reports whether err, the error of a call or push, says the
// message certainly never reached the peer, so that sending it to another
// node cannot run it twice:
//   - it matches rpc.ErrNotSent (the session was down or closed, or its
//     connection failed under it, before the frame was queued), unless the
//     caller's own context ended, which no other node can help;
//   - CodeDialFailed: no connection could be made;
//   - CodeUnavailable from the peer: rpc's meaning of the code is "not
//     handled, may be retried", and a handler that returns it says so.
//
// Any other failure may come from a call that was written and then lost
// with its connection: it is not retried.
func NotSent(err error) bool {
	switch rpc.CodeOf(err) {
	case rpc.CodeCanceled, rpc.CodeDeadlineExceeded:
		return false
	case rpc.CodeDialFailed, rpc.CodeUnavailable:
		return true
	}
	return errors.Is(err, rpc.ErrNotSent)
}

// ConnFailed reports whether err, the error of a call, says the node failed
// at the connection level (CodeDialFailed, CodeConnClosed, CodeWriteFailed,
// CodeUnavailable) rather than the call (an application's status, a
// deadline, a cancellation). It is the default selector.Config.Failed of a
// Client: only these keep a node out for its back-off.
func ConnFailed(err error) bool {
	switch rpc.CodeOf(err) {
	case rpc.CodeDialFailed, rpc.CodeConnClosed, rpc.CodeWriteFailed, rpc.CodeUnavailable:
		return true
	}
	return false
}

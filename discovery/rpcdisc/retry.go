package rpcdisc

import (
	"errors"

	"github.com/dmicro-go/dmicro/rpc"
)

// NotSent reports whether err, the error of a call or push, says that the
// message certainly never reached the peer, so that sending it to another
// node cannot run it twice:
//   - CodeDialFailed: no connection could be made;
//   - CodeUnavailable: the session was down, reconnecting or going away
//     and refused the call before sending it (rpc documents that such a
//     call "was not sent and may be retried"; a handler that returns
//     CodeUnavailable says the same);
//   - CodeConnClosed caused by a failed dial: the session had closed for
//     good after its redial failed, and refused the call before sending.
//
// Any other CodeConnClosed may come from a call that was written and then
// lost with its connection: it is not retried.
func NotSent(err error) bool {
	switch rpc.CodeOf(err) {
	case rpc.CodeDialFailed, rpc.CodeUnavailable:
		return true
	case rpc.CodeConnClosed:
		return causedByDialFailure(err)
	}
	return false
}

// causedByDialFailure reports whether a status inside err's chain, below
// the outermost, has CodeDialFailed.
func causedByDialFailure(err error) bool {
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		if st, ok := e.(*rpc.Status); ok && st.Code() == rpc.CodeDialFailed {
			return true
		}
	}
	return false
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

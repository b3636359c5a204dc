package rpc

import (
	"strconv"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Code classifies a failure. Codes travel on the wire as int32; zero means
// success and is never the code of a [Status]. Applications define their own
// codes from [CodeUser] up.
type Code int32

// The codes the rpc package produces.
const (
	// CodeUnknown is the code of an error that carried none.
	CodeUnknown Code = wire.CodeUnknown
	// CodeCanceled: the caller gave up on the call.
	CodeCanceled Code = wire.CodeCanceled
	// CodeDeadlineExceeded: the call's deadline passed before it finished.
	CodeDeadlineExceeded Code = wire.CodeDeadlineExceeded
	// CodeBadMessage: a frame was malformed or a message made no sense.
	CodeBadMessage Code = wire.CodeBadMessage
	// CodeNotFound: no handler for the method, and no fallback.
	CodeNotFound Code = wire.CodeNotFound
	// CodeCodec: a body could not be encoded or decoded, or named an
	// unknown codec.
	CodeCodec Code = wire.CodeCodec
	// CodeTooLarge: a message was over the size limit.
	CodeTooLarge Code = wire.CodeTooLarge
	// CodeConnClosed: the connection ended before the call finished.
	CodeConnClosed Code = wire.CodeConnClosed
	// CodeDialFailed: no connection could be made.
	CodeDialFailed Code = wire.CodeDialFailed
	// CodeWriteFailed: the message could not be written.
	CodeWriteFailed Code = wire.CodeWriteFailed
	// CodeUnauthorized: the peer is not allowed to do this.
	CodeUnauthorized Code = wire.CodeUnauthorized
	// CodePanic: the handler panicked; the panic was recovered.
	CodePanic Code = wire.CodePanic
	// CodeOverloaded: the handler limit and its queue were full.
	CodeOverloaded Code = wire.CodeOverloaded
	// CodeInternal: a failure inside the endpoint or the handler.
	CodeInternal Code = wire.CodeInternal
	// CodeUnavailable: the session is down, reconnecting, or going away;
	// the call was not sent and may be retried.
	CodeUnavailable Code = wire.CodeUnavailable
	// CodeInvalidArgument: the handler refused its argument.
	CodeInvalidArgument Code = wire.CodeInvalidArgument
)

// CodeUser is the first code free for applications.
const CodeUser Code = wire.CodeUser

var codeNames = [...]string{
	CodeUnknown:          "unknown",
	CodeCanceled:         "canceled",
	CodeDeadlineExceeded: "deadline exceeded",
	CodeBadMessage:       "bad message",
	CodeNotFound:         "not found",
	CodeCodec:            "codec error",
	CodeTooLarge:         "message too large",
	CodeConnClosed:       "connection closed",
	CodeDialFailed:       "dial failed",
	CodeWriteFailed:      "write failed",
	CodeUnauthorized:     "unauthorized",
	CodePanic:            "handler panic",
	CodeOverloaded:       "overloaded",
	CodeInternal:         "internal",
	CodeUnavailable:      "unavailable",
	CodeInvalidArgument:  "invalid argument",
}

// String returns the code's lowercase name, or "code(N)" for other codes.
func (c Code) String() string {
	if c > 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "code(" + strconv.Itoa(int(c)) + ")"
}

package rpc

import "strconv"

// Code classifies a failure. Codes travel on the wire as int32; zero means
// success and is never the code of a [Status]. Applications define their own
// codes from [CodeUser] up.
type Code int32

// The codes the rpc package produces.
const (
	// CodeUnknown is the code of an error that carried none.
	CodeUnknown Code = 1
	// CodeCanceled: the caller gave up on the call.
	CodeCanceled Code = 2
	// CodeDeadlineExceeded: the call's deadline passed before it finished.
	CodeDeadlineExceeded Code = 3
	// CodeBadMessage: a frame was malformed or a message made no sense.
	CodeBadMessage Code = 4
	// CodeNotFound: no handler for the method, and no fallback.
	CodeNotFound Code = 5
	// CodeCodec: a body could not be encoded or decoded, or named an
	// unknown codec.
	CodeCodec Code = 6
	// CodeTooLarge: a message was over the size limit.
	CodeTooLarge Code = 7
	// CodeConnClosed: the connection ended before the call finished.
	CodeConnClosed Code = 8
	// CodeDialFailed: no connection could be made.
	CodeDialFailed Code = 9
	// CodeWriteFailed: the message could not be written.
	CodeWriteFailed Code = 10
	// CodeUnauthorized: the peer is not allowed to do this.
	CodeUnauthorized Code = 11
	// CodePanic: the handler panicked; the panic was recovered.
	CodePanic Code = 12
	// CodeOverloaded: the handler limit and its queue were full.
	CodeOverloaded Code = 13
	// CodeInternal: a failure inside the endpoint or the handler.
	CodeInternal Code = 14
	// CodeUnavailable: the session is down, reconnecting, or going away;
	// the call was not sent and may be retried.
	CodeUnavailable Code = 15
	// CodeInvalidArgument: the handler refused its argument.
	CodeInvalidArgument Code = 16
)

// CodeUser is the first code free for applications.
const CodeUser Code = 1000

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

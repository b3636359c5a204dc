package wire

// The status codes, as numbers, so that formats which translate them (an
// HTTP status, a JSON-RPC error) need not import the rpc package. The rpc
// package defines its Code constants from these; the names and meanings are
// documented there, and for clients in other languages in CODES.md.
const (
	CodeUnknown          = 1
	CodeCanceled         = 2
	CodeDeadlineExceeded = 3
	CodeBadMessage       = 4
	CodeNotFound         = 5
	CodeCodec            = 6
	CodeTooLarge         = 7
	CodeConnClosed       = 8
	CodeDialFailed       = 9
	CodeWriteFailed      = 10
	CodeUnauthorized     = 11
	CodePanic            = 12
	CodeOverloaded       = 13
	CodeInternal         = 14
	CodeUnavailable      = 15
	CodeInvalidArgument  = 16
	// CodeUser is the first code free for applications.
	CodeUser = 1000
)

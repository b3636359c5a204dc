package xmlrpc

import (
	"errors"
	"fmt"
	"strconv"
)

// The fault codes of supervisord's XML-RPC interface, with the values of
// the Faults class in supervisor/xmlrpc.py. supervisorctl branches on these
// codes, never on the fault strings.
const (
	FaultUnknownMethod        = 1
	FaultIncorrectParameters  = 2
	FaultBadArguments         = 3
	FaultSignatureUnsupported = 4
	FaultShutdownState        = 6
	FaultBadName              = 10
	FaultBadSignal            = 11
	FaultNoFile               = 20
	FaultNotExecutable        = 21
	FaultFailed               = 30
	FaultAbnormalTermination  = 40
	FaultSpawnError           = 50
	FaultAlreadyStarted       = 60
	FaultNotRunning           = 70
	FaultSuccess              = 80
	FaultAlreadyAdded         = 90
	FaultStillRunning         = 91
	FaultCantReread           = 92
)

// Fault is an XML-RPC fault: the error a server answers a call with. It is
// an error; a *Fault returned by a method is sent to the caller as it is,
// and [Client.Call] returns the faults it receives as a *Fault.
type Fault struct {
	// Code is the faultCode. The Fault* constants are supervisord's codes.
	Code int
	// String is the faultString. supervisord writes it as the name of the
	// code, then ": " and a detail when there is one ("BAD_NAME: foo"), as
	// [NewFault] and [Faultf] do.
	String string
}

// NewFault returns a fault with the code and, as its string, the code's
// name ([FaultName]), as supervisord writes a fault raised without detail.
func NewFault(code int) *Fault {
	return &Fault{Code: code, String: FaultName(code)}
}

// Faultf returns a fault with the code and the string "NAME: detail", where
// NAME is [FaultName] of the code and detail is formatted as by
// [fmt.Sprintf], as supervisord writes a fault raised with a detail
// (RPCError(Faults.BAD_NAME, name) becomes "BAD_NAME: name").
func Faultf(code int, format string, args ...any) *Fault {
	return &Fault{Code: code, String: FaultName(code) + ": " + fmt.Sprintf(format, args...)}
}

// Error returns "xmlrpc: fault CODE: STRING".
func (f *Fault) Error() string {
	return "xmlrpc: fault " + strconv.Itoa(f.Code) + ": " + f.String
}

// FaultName returns the name supervisord gives a fault code, such as
// "BAD_NAME" for [FaultBadName], or "UNKNOWN" for a code it does not define.
func FaultName(code int) string {
	switch code {
	case FaultUnknownMethod:
		return "UNKNOWN_METHOD"
	case FaultIncorrectParameters:
		return "INCORRECT_PARAMETERS"
	case FaultBadArguments:
		return "BAD_ARGUMENTS"
	case FaultSignatureUnsupported:
		return "SIGNATURE_UNSUPPORTED"
	case FaultShutdownState:
		return "SHUTDOWN_STATE"
	case FaultBadName:
		return "BAD_NAME"
	case FaultBadSignal:
		return "BAD_SIGNAL"
	case FaultNoFile:
		return "NO_FILE"
	case FaultNotExecutable:
		return "NOT_EXECUTABLE"
	case FaultFailed:
		return "FAILED"
	case FaultAbnormalTermination:
		return "ABNORMAL_TERMINATION"
	case FaultSpawnError:
		return "SPAWN_ERROR"
	case FaultAlreadyStarted:
		return "ALREADY_STARTED"
	case FaultNotRunning:
		return "NOT_RUNNING"
	case FaultSuccess:
		return "SUCCESS"
	case FaultAlreadyAdded:
		return "ALREADY_ADDED"
	case FaultStillRunning:
		return "STILL_RUNNING"
	case FaultCantReread:
		return "CANT_REREAD"
	}
	return "UNKNOWN"
}

// FaultOf returns the fault a [Server] answers err with: nil for nil; the
// first *Fault in err's chain ([errors.As]); otherwise a fault with code
// [FaultFailed] and the string "FAILED: " followed by err's message, the
// form supervisord's system.multicall gives an unexpected exception.
func FaultOf(err error) *Fault {
	if err == nil {
		return nil
	}
	if f, ok := errors.AsType[*Fault](err); ok && f != nil {
		return f
	}
	return Faultf(FaultFailed, "%s", err.Error())
}

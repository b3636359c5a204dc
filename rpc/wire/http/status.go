package http

import (
	"strconv"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// The HTTP statuses the format uses.
const (
	statusContinue         = 100
	statusSwitching        = 101
	statusOK               = 200
	statusAccepted         = 202
	statusNoContent        = 204
	statusNotModified      = 304
	statusBadRequest       = 400
	statusUnauthorized     = 401
	statusForbidden        = 403
	statusNotFound         = 404
	statusMethodNotAllowed = 405
	statusRequestTimeout   = 408
	statusTooLarge         = 413
	statusUnsupportedMedia = 415
	statusTooManyRequests  = 429
	statusHeaderTooLarge   = 431
	statusClientClosed     = 499
	statusInternal         = 500
	statusNotImplemented   = 501
	statusBadGateway       = 502
	statusUnavailable      = 503
	statusGatewayTimeout   = 504
	statusBadVersion       = 505
)

// statusFor returns the HTTP status of a reply with the rpc code c: the
// table of FORMAT.md.
func statusFor(c int32) int {
	switch c {
	case 0:
		return statusOK
	case wire.CodeBadMessage, wire.CodeCodec, wire.CodeInvalidArgument:
		return statusBadRequest
	case wire.CodeUnauthorized:
		return statusUnauthorized
	case wire.CodeNotFound:
		return statusNotFound
	case wire.CodeTooLarge:
		return statusTooLarge
	case wire.CodeOverloaded, wire.CodeUnavailable:
		return statusUnavailable
	case wire.CodeDeadlineExceeded:
		return statusGatewayTimeout
	case wire.CodeCanceled:
		return statusClientClosed
	case wire.CodeConnClosed, wire.CodeWriteFailed, wire.CodeDialFailed:
		return statusBadGateway
	case wire.CodePanic, wire.CodeInternal, wire.CodeUnknown:
		return statusInternal
	}
	if c >= wire.CodeUser {
		return statusBadRequest // an application's refusal
	}
	return statusInternal
}

// codeFor returns the rpc code that stands for an HTTP error status: the
// code of the statuses the framer answers itself, and the code a reader
// gives a response whose body does not name one.
func codeFor(status int) int32 {
	switch status {
	case statusBadRequest, statusMethodNotAllowed, statusBadVersion:
		return wire.CodeBadMessage
	case statusUnauthorized, statusForbidden:
		return wire.CodeUnauthorized
	case statusNotFound, statusNotImplemented:
		return wire.CodeNotFound
	case statusRequestTimeout, statusGatewayTimeout:
		return wire.CodeDeadlineExceeded
	case statusTooLarge, statusHeaderTooLarge:
		return wire.CodeTooLarge
	case statusUnsupportedMedia:
		return wire.CodeCodec
	case statusTooManyRequests:
		return wire.CodeOverloaded
	case statusClientClosed:
		return wire.CodeCanceled
	case statusInternal:
		return wire.CodeInternal
	case statusBadGateway:
		return wire.CodeConnClosed
	case statusUnavailable:
		return wire.CodeUnavailable
	}
	switch {
	case status >= 400 && status < 500:
		return wire.CodeBadMessage
	case status >= 500 && status < 600:
		return wire.CodeInternal
	}
	return wire.CodeUnknown
}

// statusText returns the reason phrase the framer writes for status.
func statusText(status int) string {
	switch status {
	case statusContinue:
		return "Continue"
	case statusOK:
		return "OK"
	case statusAccepted:
		return "Accepted"
	case statusNoContent:
		return "No Content"
	case statusBadRequest:
		return "Bad Request"
	case statusUnauthorized:
		return "Unauthorized"
	case statusNotFound:
		return "Not Found"
	case statusMethodNotAllowed:
		return "Method Not Allowed"
	case statusTooLarge:
		return "Content Too Large"
	case statusUnsupportedMedia:
		return "Unsupported Media Type"
	case statusHeaderTooLarge:
		return "Request Header Fields Too Large"
	case statusClientClosed:
		return "Client Closed Request"
	case statusInternal:
		return "Internal Server Error"
	case statusNotImplemented:
		return "Not Implemented"
	case statusBadGateway:
		return "Bad Gateway"
	case statusUnavailable:
		return "Service Unavailable"
	case statusGatewayTimeout:
		return "Gateway Timeout"
	case statusBadVersion:
		return "HTTP Version Not Supported"
	}
	return "Status " + strconv.Itoa(status)
}

package quic

import (
	"errors"
	"fmt"
	"net"
)

// ErrBadPreface is wrapped by the error of [Conn.HandshakeContext] when the
// first bytes of the client's stream are not the preface a dmicro dialer
// sends: the peer is not a dmicro QUIC client, or speaks another version.
var ErrBadPreface = errors.New("transport/quic: bad stream preface")

// Errors of a Config that Listen or Dial cannot use.
var (
	errNoTLS         = errors.New("transport/quic: nil Config.TLS")
	errNoCertificate = errors.New("transport/quic: Config.TLS has no certificate (set Certificates, GetCertificate or GetConfigForClient)")
)

// Application error codes this package closes QUIC connections with. The
// peer sees them in a *quic-go ApplicationError.
const (
	codeNoError     = 0x0 // closed by Close, after the linger
	codeBadPreface  = 0x1 // the client's stream did not start with the preface
	codeRefused     = 0x2 // the listener closed before the connection was accepted
	codeNoStreamYet = 0x3 // closed before the client's stream arrived
)

// closedError returns the error of op on a connection or listener closed on
// this side. It wraps [net.ErrClosed].
func closedError(op string) error {
	return fmt.Errorf("transport/quic: %s: %w", op, net.ErrClosed)
}

// connError is the error of a Read or Write when the QUIC connection or the
// stream ended for a reason other than Close on this side: the peer closed
// or reset it, it timed out after MaxIdleTimeout without a packet from the
// peer, or it met a protocol error.
//
// It is a [net.Error] that is neither a timeout nor temporary, and it does
// not unwrap to [net.ErrClosed] (as quic-go's errors do): a lost connection
// is not one this side closed, and its idle timeout is not a deadline the
// caller set. errors.As still finds quic-go's error types beneath it, such
// as *quic.IdleTimeoutError or *quic.ApplicationError.
type connError struct {
	op  string
	err error
}

func (e *connError) Error() string {
	return "transport/quic: " + e.op + ": connection ended: " + e.err.Error()
}

// Timeout reports false: the idle timeout of QUIC is not a deadline.
func (e *connError) Timeout() bool { return false }

// Temporary reports false.
func (e *connError) Temporary() bool { return false }

// As finds target among the causes.
func (e *connError) As(target any) bool { return errors.As(e.err, target) }

var _ net.Error = (*connError)(nil)

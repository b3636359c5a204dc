package http

import (
	"errors"
	"io"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// readState says what ReadMessage does next.
type readState uint8

const (
	// reading reads the next message.
	reading readState = iota
	// responsesOnly reads responses only: the peer sent its last request
	// (it said "Connection: close"), or this side owes too many responses.
	// A request that comes anyway is not read: the reader drains.
	responsesOnly
	// draining reads no more messages: it discards whatever arrives
	// until the stream ends or the connection is closed.
	draining
	// closing returns a go-away, then goes on in the state f.after.
	closing
)

// errSkip tells ReadMessage that the request it read makes no message: a
// cancel that names no request still owed, a go-away request.
var errSkip = errors.New("http: request answered by the framer")

// ReadMessage reads the next request or response into m, which the caller
// has Reset.
//
// A request becomes a TypeCall or TypePush with a seq the framer assigns,
// which its reply must carry. A POST to the JSON-RPC path becomes the
// messages of its body, one per call, each with a seq of its own. A cancel request becomes a TypeCancel of the
// call it names, when its response is still owed; the framer answers the
// cancel request itself, 204 No Content. A response becomes the TypeReply
// of this side's oldest request still unanswered; the answers to pushes,
// to cancel and go-away requests and to canceled calls, and interim (1xx)
// responses, are consumed without a message.
//
// A request the framer refuses (malformed, too large, a method or media
// type it does not take) gives a *wire.MessageError of Type TypeCall with
// its seq and a Code, which the caller answers with an error reply; the
// framer remembers the HTTP status that reply is rendered with.
//
// ReadMessage returns a TypeGoAway without a Code, once, when the
// connection is closing:
//   - after a request that said "Connection: close" (the peer's last), or
//     when too many responses are owed: the caller starts no new work and
//     closes once its handlers have answered; the framer reads the
//     responses to this side's requests and drops any further request;
//   - after a request that put the stream out of step, or a response it
//     cannot frame: from then on it discards what arrives and returns only
//     the error that ends the stream (io.EOF when the peer closes first);
//   - after a response that said "Connection: close", once that response
//     is delivered: the caller sends no new request and closes once its
//     calls are answered; the framer goes on reading, for the peer may
//     still answer requests that crossed the close on the wire.
func (f *framer) ReadMessage(m *wire.Message) error {
	for {
		if f.inBody {
			// The messages of a JSON-RPC body come before anything
			// else, a go-away its request asked for included.
			if err := f.nextMember(m); err != errSkip {
				return err
			}
			m.Reset()
			continue
		}
		switch f.state {
		case closing:
			f.state, f.saidGoAway = f.after, true
			m.Type = wire.TypeGoAway
			return nil
		case draining:
			return f.drain()
		}
		if f.state == reading && f.busy() {
			f.stop(responsesOnly)
			continue
		}
		f.startHead()
		line, err := f.firstLine()
		lineErr := errors.Is(err, errLineTooLong) || errors.Is(err, errHeadTooLarge)
		switch {
		case err == nil && isStatusLine(line):
			skip, err := f.readResponse(m, line)
			if skip && err == nil {
				m.Reset()
				continue
			}
			return err
		case f.state == responsesOnly && (err == nil || lineErr):
			// A request after the peer's last one: nothing after it is read.
			f.state = draining
			continue
		case err == nil, lineErr:
			err := f.readRequest(m, line, err)
			if err == errSkip {
				m.Reset()
				continue
			}
			return err
		}
		return err
	}
}

// stop makes the reader go on in state next, or a stricter one it is
// already bound to, after returning its go-away if it has not yet.
func (f *framer) stop(next readState) {
	f.after = max(f.after, next)
	if f.saidGoAway {
		f.state = f.after
	} else {
		f.state = closing
	}
}

// drain discards what the peer sends until the stream ends, so that the
// connection closes cleanly once the responses owed are written.
func (f *framer) drain() error {
	for {
		if n := f.r.Buffered(); n > 0 {
			f.r.Discard(n)
		}
		if _, err := f.r.Peek(1); err != nil {
			return err
		}
	}
}

// firstLine reads the first line of the next message, skipping empty lines
// before it. A stream that ends before it gives io.EOF.
func (f *framer) firstLine() ([]byte, error) {
	for {
		line, err := f.readLine()
		if err != nil || len(line) > 0 {
			return line, err
		}
	}
}

// isStatusLine reports whether the first line of a message is a response's.
func isStatusLine(line []byte) bool {
	return len(line) >= 5 && string(line[:5]) == "HTTP/"
}

// busy reports whether so many responses are owed, or so many bytes of
// them held, that the framer should read no more requests.
func (f *framer) busy() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.owed.len() >= maxPending || f.owed.buffered/maxBufferedFactor > f.limit
}

// unexpected turns io.EOF inside a message into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// formatError is an error of the format: its message, and the wire
// sentinel it wraps.
type formatError struct {
	msg  string
	kind error
}

func (e *formatError) Error() string { return e.msg }
func (e *formatError) Unwrap() error { return e.kind }

// wrapMalformed returns an error with msg that wraps wire.ErrMalformed.
func wrapMalformed(msg string) error { return &formatError{msg, wire.ErrMalformed} }

// wrapTooLarge returns an error with msg that wraps wire.ErrTooLarge.
func wrapTooLarge(msg string) error { return &formatError{msg, wire.ErrTooLarge} }

// Pending reports whether the next ReadMessage may return a message
// without reading: members of a JSON-RPC body, or a go-away; see
// wire.Pender.
func (f *framer) Pending() bool { return f.inBody || f.state == closing }

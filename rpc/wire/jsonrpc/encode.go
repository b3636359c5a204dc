package jsonrpc

import (
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Reply encodes m, the rpc layer's reply to a seq that Next gave out (for
// a call, or in a MessageError), and appends to dst what goes on the wire.
//
// For a value that is a single request, that is the response object,
// followed by a newline, and done is true. For a member of a batch, the
// member's response is kept and out is dst until the batch's last awaited
// reply arrives: then out holds the whole response array, followed by a
// newline, and done is true. Replies may come in any order; the array
// lists the responses in the order of the requests.
//
// A reply with Code 0 becomes a result: its body, which must be JSON
// (codec 'j') and carry no transfer filters, or null when it is empty. A
// reply with a Code becomes an error (see FORMAT.md for the code table);
// the reply to a member that broke the specification becomes the error
// that Next reported, whatever its Code. A result that would make the
// response larger than the limit gives an error wrapping wire.ErrTooLarge,
// after which the rpc layer answers the seq again with an error status. An
// error response too large with its status message is sent with the
// specification's standard message instead; in a batch it is always
// accepted, so a batch's response can exceed the limit by such errors.
//
// On any error, dst is returned unchanged and the seq is still awaited.
func (x *exchange) Reply(dst []byte, m *wire.Message) (out []byte, done bool, err error) {
	if m.Type != wire.TypeReply {
		return dst, false, fmt.Errorf("jsonrpc: Reply of a %v message: %w", m.Type, wire.ErrMalformed)
	}
	if m.Code == 0 {
		if err := checkBody(m, x.limit); err != nil {
			return dst, false, err
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.calls[m.Seq]; ok {
		isErr := e.spec != 0 || m.Code != 0
		out = appendResponse(dst, &e, m, false)
		if len(out)-len(dst)+1 > x.limit && isErr {
			out = appendResponse(dst, &e, m, true)
		}
		if len(out)-len(dst)+1 > x.limit {
			return dst, false, fmt.Errorf("jsonrpc: response is %d bytes, limit %d: %w", len(out)-len(dst)+1, x.limit, wire.ErrTooLarge)
		}
		delete(x.calls, m.Seq)
		return append(out, '\n'), true, nil
	}

	ref, ok := x.members[m.Seq]
	if !ok {
		return dst, false, fmt.Errorf("jsonrpc: reply to seq %d, which no request waits for: %w", m.Seq, wire.ErrMalformed)
	}
	b, e := ref.b, &ref.b.entries[ref.idx]
	isErr := e.spec != 0 || m.Code != 0
	start := len(b.out)
	b.out = appendResponse(b.out, e, m, false)
	if n := len(b.out) - start; b.size+n+1 > x.limit {
		if !isErr {
			b.out = b.out[:start]
			return dst, false, fmt.Errorf("jsonrpc: batch response would be %d bytes, limit %d: %w", b.size+n+1, x.limit, wire.ErrTooLarge)
		}
		b.out = appendResponse(b.out[:start], e, m, true)
	}
	if start == 0 && b.left > 1 {
		// The replies of a batch are alike: make room for the others at
		// once, rather than growing by a quarter at a time.
		b.out = slices.Grow(b.out, min((b.left-1)*len(b.out), x.limit))
	}
	b.spans[ref.idx] = span{start, len(b.out)}
	b.size += len(b.out) - start + 1 // and a comma
	b.left--
	delete(x.members, m.Seq)
	if b.left > 0 {
		return dst, false, nil
	}
	if len(x.members) == 0 && len(b.spans) > maxKeptRecords {
		x.members = nil // a map does not shrink: drop what a large batch grew
	}
	out = append(slices.Grow(dst, b.size+1), '[')
	for i, sp := range b.spans {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b.out[sp.s:sp.e]...)
	}
	return append(out, ']', '\n'), true, nil
}

// Request appends to dst the request object for m, a TypeCall (whose id is
// its Seq, as a number, written first) or a TypePush (a notification,
// without an id), followed by a newline. The method is m.Method without its leading "/".
// The body, if any, must be JSON (codec 'j', no transfer filters). An
// array or object is the params; a string, number or boolean, which the
// specification does not allow as params, becomes the only element of the
// params array, with this package's extension member "unwrap"; JSON null
// leaves the params out. m.Meta and m.Timeout go in the extension members
// "meta" and "timeout_ms". A message the format cannot carry gives an error wrapping
// wire.ErrMalformed, a request over the limit one wrapping wire.ErrTooLarge;
// either way dst is returned unchanged.
func (x *exchange) Request(dst []byte, m *wire.Message) ([]byte, error) {
	if m.Type != wire.TypeCall && m.Type != wire.TypePush {
		return dst, fmt.Errorf("jsonrpc: Request of a %v message: %w", m.Type, wire.ErrMalformed)
	}
	if err := checkBody(m, x.limit); err != nil {
		return dst, err
	}
	params, wrap := false, false
	if len(m.Body) > 0 {
		switch m.Body[skipSpace(m.Body, 0)] {
		case '[', '{':
			params = true
		case 'n': // null: no params
		default: // a string, number or boolean: the only element of the params
			params, wrap = true, true
		}
	}
	method := m.Method
	if len(method) > 1 && method[0] == '/' && method[1] != '/' || method == "/" {
		method = method[1:]
	}
	out := append(dst, `{"jsonrpc":"2.0",`...)
	if m.Type == wire.TypeCall {
		// The id comes first so that a peer that refuses the request as
		// too large, having read only its beginning, can answer with it.
		out = append(out, `"id":`...)
		out = strconv.AppendUint(out, uint64(m.Seq), 10)
		out = append(out, ',')
	}
	out = append(out, `"method":`...)
	out = appendQuoted(out, method)
	if params {
		out = append(out, `,"params":`...)
		if wrap {
			out = append(out, '[')
		}
		out = appendUTF8(out, m.Body)
		if wrap {
			out = append(out, `],"unwrap":true`...)
		}
	}
	out = appendMeta(out, &m.Meta)
	if m.Timeout != 0 {
		out = append(out, `,"timeout_ms":`...)
		out = strconv.AppendInt(out, millis(m.Timeout), 10)
	}
	out = append(out, '}', '\n')
	if len(out)-len(dst) > x.limit {
		return dst, fmt.Errorf("jsonrpc: %v is %d bytes, limit %d: %w", m.Type, len(out)-len(dst), x.limit, wire.ErrTooLarge)
	}
	return out, nil
}

// checkBody checks that m's body can go in a JSON-RPC value as it is.
func checkBody(m *wire.Message, limit int) error {
	if len(m.Filters) > 0 {
		return fmt.Errorf("jsonrpc: a body with transfer filters cannot be carried: %w", wire.ErrMalformed)
	}
	if len(m.Body) == 0 {
		return nil
	}
	if m.Codec != codecJSON {
		return fmt.Errorf("jsonrpc: body codec %q is not JSON ('j'): %w", m.Codec, wire.ErrMalformed)
	}
	if len(m.Body) > limit {
		return fmt.Errorf("jsonrpc: body is %d bytes, limit %d: %w", len(m.Body), limit, wire.ErrTooLarge)
	}
	if err := validate(m.Body); err != nil {
		return fmt.Errorf("jsonrpc: body is not valid JSON: %w: %w", err, wire.ErrMalformed)
	}
	return nil
}

// millis rounds a non-zero timeout up to whole milliseconds, at least 1.
func millis(d time.Duration) int64 {
	if d <= 0 {
		return 1
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// appendResponse appends the response object (without a newline) that
// answers e with m. short leaves out everything but the code from an
// error: the message becomes the standard one, the data its status code.
func appendResponse(dst []byte, e *entry, m *wire.Message, short bool) []byte {
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	dst = append(dst, e.id.bytes()...)
	dst = append(dst, ',')
	switch {
	case e.spec != 0:
		msg, detail := standardMessage(e.spec), e.detail
		if short {
			detail = ""
		} else if e.said {
			msg += ": " + detail
		}
		dst = appendError(dst, e.spec, msg, e.code, detail)
	case m.Code != 0:
		spec := errorCode(m.Code)
		msg := m.Error
		if msg == "" || short {
			msg = standardMessage(spec)
		}
		dst = appendError(dst, spec, msg, m.Code, "")
	default:
		dst = append(dst, `"result":`...)
		if len(m.Body) == 0 {
			dst = append(dst, "null"...)
		} else {
			dst = appendUTF8(dst, m.Body)
		}
	}
	if !short {
		dst = appendMeta(dst, &m.Meta)
	}
	return append(dst, '}')
}

// appendUTF8 appends body, a valid JSON value, writing each byte of it
// that is not valid UTF-8 as the escape \ufffd, so that the output is
// valid UTF-8 as JSON must be (RFC 8259, section 8.1). JSON allows such
// bytes nowhere but in strings, where the escape stands for U+FFFD, as a
// decoder would read them anyway.
func appendUTF8(dst, body []byte) []byte {
	if utf8.Valid(body) {
		return append(dst, body...)
	}
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, body[:size]...)
		}
		body = body[size:]
	}
	return dst
}

// appendError appends an "error" member.
func appendError(dst []byte, spec int, msg string, code int32, detail string) []byte {
	dst = append(dst, `"error":{"code":`...)
	dst = strconv.AppendInt(dst, int64(spec), 10)
	dst = append(dst, `,"message":`...)
	dst = appendQuoted(dst, msg)
	dst = append(dst, `,"data":{"code":`...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	if detail != "" {
		dst = append(dst, `,"detail":`...)
		dst = appendQuoted(dst, detail)
	}
	return append(dst, "}}"...)
}

// appendMeta appends a "meta" member when md has pairs.
func appendMeta(dst []byte, md *wire.Metadata) []byte {
	if md.Len() == 0 {
		return dst
	}
	dst = append(dst, `,"meta":{`...)
	first := true
	md.Range(func(k, v string) bool {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendQuoted(dst, k)
		dst = append(dst, ':')
		dst = appendQuoted(dst, v)
		return true
	})
	return append(dst, '}')
}

// errorCode maps a status code to the JSON-RPC error code that answers it.
func errorCode(code int32) int {
	switch code {
	case wire.CodeNotFound:
		return MethodNotFound
	case wire.CodeCodec, wire.CodeInvalidArgument:
		return InvalidParams
	case wire.CodeBadMessage:
		return InvalidRequest
	case wire.CodeInternal, wire.CodePanic:
		return InternalError
	}
	return ServerError
}

// standardMessage returns the specification's message for an error code.
func standardMessage(spec int) string {
	switch spec {
	case ParseError:
		return "Parse error"
	case InvalidRequest:
		return "Invalid Request"
	case MethodNotFound:
		return "Method not found"
	case InvalidParams:
		return "Invalid params"
	case InternalError:
		return "Internal error"
	}
	return "Server error"
}

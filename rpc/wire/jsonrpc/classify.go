package jsonrpc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// kind says what a member of a value becomes.
type kind uint8

const (
	kCall     kind = iota + 1 // a request with an id: a TypeCall
	kPush                     // a notification: a TypePush
	kReply                    // a response: a TypeReply
	kAnswer                   // a broken request: a MessageError to answer
	kBadReply                 // a broken response: a MessageError for the call
)

// record is one member of the value being read. A batch holds one per
// member, so it keeps only what is used once the member is classified.
type record struct {
	kind             kind
	seq              uint32
	method, meta, id span // the members of the object
	body             span // a request's body: its params, or their element when unwrapped; a response's result
	timeout          time.Duration
	code             int32 // kReply: the status code of an error response; kAnswer: the MessageError's code
	msg              span  // kReply: the error response's message token
	err              error // kAnswer, kBadReply: the MessageError's Err
}

// object holds the members of a request or response object that this
// package reads; the others are ignored.
type object struct {
	jsonrpc, method, params, id, meta, timeout, unwrap, result, error span
	dup                                                               string // a member name given twice
}

// msgDetail returns what was wrong with a kAnswer member.
func (r *record) msgDetail() string {
	var ie *invalidError
	if errors.As(r.err, &ie) {
		return ie.detail
	}
	return ""
}

// invalidError reports a member that is JSON but not a valid request, or
// one too large to read: its metadata over the caps.
type invalidError struct {
	detail   string
	tooLarge bool // wraps wire.ErrTooLarge, not wire.ErrMalformed
}

func (e *invalidError) Error() string {
	if e.tooLarge {
		return "jsonrpc: request too large: " + e.detail
	}
	return "jsonrpc: invalid request: " + e.detail
}

func (e *invalidError) Unwrap() error {
	if e.tooLarge {
		return wire.ErrTooLarge
	}
	return wire.ErrMalformed
}

// invalid returns a kAnswer record for a member that breaks the
// specification.
func invalid(o object, detail string) record {
	return record{kind: kAnswer, method: o.method, meta: o.meta, id: o.id, code: wire.CodeBadMessage, err: &invalidError{detail: detail}}
}

// classify decides what the member v of b (valid JSON) is.
func (x *exchange) classify(b []byte, v span) record {
	if b[v.s] != '{' {
		return invalid(object{}, "not an object")
	}
	var o object
	it := iter{b: b, i: v.s + 1}
	for {
		k, val, ok := it.member()
		if !ok {
			break
		}
		var kb [64]byte
		var p *span
		switch string(memberName(b[k.s:k.e], &kb)) {
		case "jsonrpc":
			p = &o.jsonrpc
		case "method":
			p = &o.method
		case "params":
			p = &o.params
		case "id":
			p = &o.id
		case "meta":
			p = &o.meta
		case "timeout_ms":
			p = &o.timeout
		case "unwrap":
			p = &o.unwrap
		case "result":
			p = &o.result
		case "error":
			p = &o.error
		}
		if p != nil && p.ok() && o.dup == "" {
			o.dup = unquote(b[k.s:k.e])
		}
		if p != nil {
			*p = val
		}
	}
	switch {
	case o.method.ok():
		return x.classifyRequest(b, o)
	case o.result.ok() || o.error.ok():
		return x.classifyResponse(b, o)
	}
	return invalid(o, `neither "method" nor "result" nor "error"`)
}

// classifyRequest checks a request object.
func (x *exchange) classifyRequest(b []byte, o object) record {
	tok := func(sp span) []byte { return b[sp.s:sp.e] }
	switch {
	case o.dup != "":
		return invalid(o, strconv.Quote(o.dup)+" appears twice")
	case !o.jsonrpc.ok():
		return invalid(o, `missing "jsonrpc"`)
	case b[o.jsonrpc.s] != '"' || !stringIs(tok(o.jsonrpc), "2.0"):
		return invalid(o, `"jsonrpc" must be "2.0"`)
	case b[o.method.s] != '"':
		return invalid(o, `"method" must be a string`)
	case o.params.ok() && b[o.params.s] != '[' && b[o.params.s] != '{':
		return invalid(o, `"params" must be an array or an object`)
	case o.id.ok() && !validID(b, o.id):
		if b[o.id.s] == '"' {
			// The id must come back as it came, which would not be JSON.
			return invalid(o, `"id" is not valid UTF-8`)
		}
		return invalid(o, `"id" must be a string, a number or null`)
	case o.meta.ok() && !validMeta(b, o.meta):
		return invalid(o, `"meta" must be an object whose values are strings`)
	}
	if why := x.metaOver(b, o.meta); why != "" {
		return record{kind: kAnswer, method: o.method, meta: o.meta, id: o.id, code: wire.CodeTooLarge, err: &invalidError{detail: why, tooLarge: true}}
	}
	r := record{kind: kPush, method: o.method, meta: o.meta, id: o.id, body: o.params}
	if o.unwrap.ok() {
		switch string(tok(o.unwrap)) {
		case "false":
		case "true":
			// The body is the params array's only element.
			if !o.params.ok() || b[o.params.s] != '[' {
				return invalid(o, `"unwrap" needs "params" to be an array of one value`)
			}
			it := iter{b: b, i: o.params.s + 1}
			v, ok := it.elem()
			if _, more := it.elem(); !ok || more {
				return invalid(o, `"unwrap" needs "params" to be an array of one value`)
			}
			r.body = v
		default:
			return invalid(o, `"unwrap" must be true or false`)
		}
	}
	if o.id.ok() {
		r.kind = kCall
	}
	if o.timeout.ok() {
		c := b[o.timeout.s]
		if c != '-' && (c < '0' || c > '9') {
			return invalid(o, `"timeout_ms" must be a number`)
		}
		r.timeout = timeoutOf(tok(o.timeout))
	}
	return r
}

// classifyResponse checks a response object.
func (x *exchange) classifyResponse(b []byte, o object) record {
	seq, known := uint32(0), false
	if o.id.ok() {
		seq, known = seqOf(b[o.id.s:o.id.e])
	}
	r := record{kind: kReply, seq: seq, method: o.method, meta: o.meta, id: o.id}
	bad := func(why string) record {
		return record{kind: kBadReply, seq: seq, method: o.method, meta: o.meta, id: o.id, err: fmt.Errorf("jsonrpc: invalid response: %s: %w", why, wire.ErrMalformed)}
	}
	switch {
	case o.dup != "":
		return bad(strconv.Quote(o.dup) + " appears twice")
	case !o.jsonrpc.ok() || b[o.jsonrpc.s] != '"' || !stringIs(b[o.jsonrpc.s:o.jsonrpc.e], "2.0"):
		return bad(`"jsonrpc" must be "2.0"`)
	case !o.id.ok():
		return bad(`missing "id"`)
	case o.result.ok() && o.error.ok():
		return bad(`both "result" and "error"`)
	case o.meta.ok() && !validMeta(b, o.meta):
		return bad(`"meta" must be an object whose values are strings`)
	}
	if why := x.metaOver(b, o.meta); why != "" {
		return record{kind: kBadReply, seq: seq, method: o.method, meta: o.meta, id: o.id, code: wire.CodeTooLarge, err: fmt.Errorf("jsonrpc: response too large: %s: %w", why, wire.ErrTooLarge)}
	}
	switch {
	case !known:
		// Not an id this side sends: the peer could not read the
		// request's id (null), or it answers something else.
		what := "an id that is not one of this side's calls"
		if b[o.id.s] == 'n' {
			what = "a null id"
		}
		if o.error.ok() && b[o.error.s] == '{' {
			var msg span
			code, _, _ := errorMembers(b, o.error, &msg)
			if msg.ok() {
				return bad(fmt.Sprintf("error %d (%s) with %s", code, unquote(b[msg.s:msg.e]), what))
			}
		}
		return bad("a response with " + what)
	case o.result.ok():
		r.body = o.result
		return r
	}
	if b[o.error.s] != '{' {
		return bad(`"error" must be an object`)
	}
	code, dataCode, ok := errorMembers(b, o.error, &r.msg)
	if !ok {
		return bad(`"error" must have an integer "code" and a string "message"`)
	}
	r.code = dataCode
	if r.code == 0 {
		r.code = statusOf(code)
	}
	return r
}

// errorMembers reads the error object at sp: its code, its data's code (0
// when absent or not a non-zero int32) and, into msg, its message. ok
// reports whether the code is an integer and the message a string.
func errorMembers(b []byte, sp span, msg *span) (code int64, dataCode int32, ok bool) {
	var c, data span
	it := iter{b: b, i: sp.s + 1}
	for {
		k, v, more := it.member()
		if !more {
			break
		}
		var kb [64]byte
		switch string(memberName(b[k.s:k.e], &kb)) {
		case "code":
			c = v
		case "message":
			*msg = v
		case "data":
			data = v
		}
	}
	if data.ok() && b[data.s] == '{' {
		it := iter{b: b, i: data.s + 1}
		for {
			k, v, more := it.member()
			if !more {
				break
			}
			if stringIs(b[k.s:k.e], "code") {
				if n, isInt := parseInt(b[v.s:v.e]); isInt && n != 0 && n >= math.MinInt32 && n <= math.MaxInt32 {
					dataCode = int32(n)
				} else {
					dataCode = 0
				}
			}
		}
	}
	if !c.ok() || !msg.ok() || b[msg.s] != '"' {
		return 0, 0, false
	}
	code, ok = parseInt(b[c.s:c.e])
	return code, dataCode, ok
}

// validID reports whether the value at sp may be a request id: a string
// in UTF-8 (it is sent back as it came, and must be JSON then), a number
// or null.
func validID(b []byte, sp span) bool {
	c := b[sp.s]
	if c == '"' {
		return utf8.Valid(b[sp.s:sp.e])
	}
	return c == 'n' || c == '-' || c >= '0' && c <= '9'
}

// metaOver returns why the meta object at sp, which validMeta accepted,
// is over the caps on metadata, or "" when it is within them or absent.
// It counts the bytes of keys and values as decoded, and stops as soon as
// the counts pass the caps.
func (x *exchange) metaOver(b []byte, sp span) string {
	if !sp.ok() {
		return ""
	}
	size := 0
	str := func(t span) int {
		tok := b[t.s:t.e]
		if plain(tok) {
			return len(tok) - 2
		}
		x.scratch = appendUnquoted(x.scratch[:0], tok)
		return len(x.scratch)
	}
	it := iter{b: b, i: sp.s + 1}
	for pairs := 1; ; pairs++ {
		k, v, ok := it.member()
		if !ok {
			return ""
		}
		if pairs > x.metaCaps.Pairs {
			return `"meta" has more than ` + strconv.Itoa(x.metaCaps.Pairs) + " pairs"
		}
		if size += str(k) + str(v); size > x.metaCaps.Bytes {
			return `"meta" holds more than ` + strconv.Itoa(x.metaCaps.Bytes) + " bytes"
		}
	}
}

// validMeta reports whether the value at sp is an object of strings.
func validMeta(b []byte, sp span) bool {
	if b[sp.s] != '{' {
		return false
	}
	it := iter{b: b, i: sp.s + 1}
	for {
		_, v, ok := it.member()
		if !ok {
			return true
		}
		if b[v.s] != '"' {
			return false
		}
	}
}

// parseInt parses a number token that is an integer, written without a
// fraction or an exponent, within the range of int64.
func parseInt(tok []byte) (int64, bool) {
	neg := len(tok) > 0 && tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	if len(tok) == 0 || len(tok) > 19 {
		return 0, false
	}
	var n int64
	for _, c := range tok {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}

// seqOf returns the seq that an id this side sent stands for: a plain
// integer from 1 to 2³²-1.
func seqOf(tok []byte) (uint32, bool) {
	if len(tok) == 0 || tok[0] == '-' || tok[0] == '0' {
		return 0, false
	}
	n, ok := parseInt(tok)
	if !ok || n > math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// timeoutOf turns a timeout_ms token into a timeout: at most the largest
// duration, and at least 1ns, which stands for a deadline already passed.
func timeoutOf(tok []byte) time.Duration {
	if n, ok := parseInt(tok); ok {
		if n > math.MaxInt64/int64(time.Millisecond) {
			return math.MaxInt64
		}
		if n <= 0 {
			return 1
		}
		return time.Duration(n) * time.Millisecond
	}
	ms, _ := strconv.ParseFloat(string(tok), 64) // ±Inf when out of range
	ns := ms * float64(time.Millisecond)
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns < 1:
		return 1
	}
	return time.Duration(ns)
}

// statusOf maps a JSON-RPC error code to the closest status code.
func statusOf(code int64) int32 {
	switch code {
	case MethodNotFound:
		return wire.CodeNotFound
	case InvalidParams:
		return wire.CodeInvalidArgument
	case InvalidRequest, ParseError:
		return wire.CodeBadMessage
	case InternalError:
		return wire.CodeInternal
	}
	return wire.CodeUnknown
}

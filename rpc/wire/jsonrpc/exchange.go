package jsonrpc

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/dmicro-go/dmicro/internal/bufpool"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// The error codes of the JSON-RPC 2.0 specification.
const (
	ParseError     = -32700
	InvalidRequest = -32600
	MethodNotFound = -32601
	InvalidParams  = -32602
	InternalError  = -32603
	// ServerError is the first of the codes -32000 to -32099 that the
	// specification reserves for implementation-defined server errors;
	// this package answers with it every status code that has no closer
	// match.
	ServerError = -32000
)

// codecJSON is the id of the JSON body codec, the only one JSON-RPC carries.
const codecJSON = 'j'

const (
	// maxCachedMethods caps the number of interned method names per exchange.
	maxCachedMethods = 256
	// maxCachedMethodLen caps the length of an interned method name.
	maxCachedMethodLen = 256
	// maxKeptRecords is the largest batch whose member list an exchange
	// keeps for the next value.
	maxKeptRecords = 64
)

// errParse marks the MessageError of a value that is not JSON, after which
// a stream cannot be resynchronised.
var errParse = errors.New("jsonrpc: parse error")

// exchange is the JSON-RPC state of one connection: it turns JSON-RPC
// values (a request, a response, or a batch of them) into wire messages
// and encodes the rpc layer's replies as the matching response values. The
// stream [Format]'s framer is built on it, and so can be a format that
// carries one JSON-RPC value per message of another protocol (a request
// or response body of HTTP POST).
//
// The reading side gives each value to Decode or decodeHeld, then calls
// Next until it returns io.EOF. Every call and every member that breaks
// the specification gets a seq, from the function given to newExchange,
// that the exchange remembers with the request's id. The writing side
// encodes each reply to such a seq with Reply, which returns the whole
// response value once every call of the value has been answered, and
// encodes this side's own calls and notifications with Request.
//
// Decode, decodeHeld, Refuse and Next must be called by one goroutine at a
// time, and Reply and Request by one goroutine at a time; the two sides
// may run concurrently.
type exchange struct {
	next  func() uint32
	limit int

	// The reading side's state.
	val     []byte        // the value being read
	own     *[]byte       // the pooled buffer that holds val, if the exchange owns it
	held    *wire.Message // the message whose buffer holds val, if one does
	recs    []record      // val's members
	pos     int           // the next member Next returns
	methods map[string]string

	mu    sync.Mutex
	calls map[uint32]entry // seqs waiting for the rpc layer's reply
}

// newExchange returns an exchange whose seqs come from next and whose
// values, in both directions, are at most limit bytes (zero or less means
// wire.DefaultMaxMessageSize). next is called only by the reading side; a
// seq it returns that is 0 or still waiting for its reply is skipped.
func newExchange(next func() uint32, limit int) *exchange {
	if limit <= 0 {
		limit = wire.DefaultMaxMessageSize
	}
	return &exchange{
		next:    next,
		limit:   limit,
		methods: make(map[string]string),
		calls:   make(map[uint32]entry),
	}
}

// entry is what the writing side needs to answer a seq.
type entry struct {
	b      *batch // nil for a value that is a single request
	idx    int    // the position among the batch's answered members
	spec   int    // not 0: answer with this error code, whatever the reply says
	code   int32  // with spec: the status code for the error's data
	detail string // with spec: what was wrong
	id     idBytes
}

// batch collects the responses to a batch's members.
type batch struct {
	left  int    // replies still to come
	size  int    // the size of the response array so far
	out   []byte // the member responses, in the order they came
	spans []span // where each member's response is in out, in request order
}

// idBytes is a request's id as it came, or null; short ids are kept
// inline so that remembering one costs no allocation.
type idBytes struct {
	n    uint8
	a    [38]byte
	long []byte
}

func makeID(tok []byte) (id idBytes) {
	if len(tok) <= len(id.a) {
		id.n = uint8(copy(id.a[:], tok))
	} else {
		id.long = append([]byte(nil), tok...)
	}
	return id
}

var nullID = makeID([]byte("null"))

func (id *idBytes) bytes() []byte {
	if id.long != nil {
		return id.long
	}
	return id.a[:id.n]
}

// Decode starts reading value, one JSON text: a request, a response, or a
// batch. value must not change until Next has returned io.EOF; message
// bodies are copies in pooled buffers that the messages hold. What was left
// of the previous value is dropped.
//
// Decode returns the number of members of value that will be answered
// (calls, and requests that break the specification); when it is 0 the
// value gets no response at all (a notification, a batch of them, or
// responses).
func (x *exchange) Decode(value []byte) int {
	x.drop()
	return x.decode(value)
}

// decodeHeld is Decode for a value in a pooled buffer that m holds (see
// wire.Message.AllocBody), for the stream framer, which passes m to the
// Next that follows. When the value has one member, the message's Body
// points into the value instead of a copy: m keeps the buffer. A value
// with several members is copied first into a buffer of the exchange's
// own, which it gives back once it is done with the value.
func (x *exchange) decodeHeld(m *wire.Message, value []byte) int {
	x.drop()
	n := x.decode(value)
	if len(x.recs) > 1 {
		x.own = bufpool.Get(len(value))
		copy(*x.own, value)
		x.val = *x.own
	} else {
		x.held = m
	}
	return n
}

// Refuse starts a value that could not be read whole, so that the next
// Next returns a *wire.MessageError for it; prefix is the part that was
// read, if any (it may be nil, and is not kept).
//
// When reason wraps wire.ErrTooLarge, the answer is an Invalid Request
// error whose data carries status code wire.CodeTooLarge, with the
// request's id when the prefix holds it whole (this package writes the id
// before the params for that reason); when the prefix shows a response to
// one of this side's calls, the MessageError has Type wire.TypeReply and
// that call's seq instead, and nothing is answered. Otherwise the value is
// answered as a Parse error with a null id. Refuse returns the number of
// answers the value will get, 0 or 1.
func (x *exchange) Refuse(prefix []byte, reason error) int {
	x.drop()
	if errors.Is(reason, wire.ErrTooLarge) {
		return x.tooLarge(prefix, reason)
	}
	err := fmt.Errorf("%w: %w", errParse, reason)
	if !errors.Is(reason, wire.ErrMalformed) {
		err = fmt.Errorf("%w: %w", err, wire.ErrMalformed)
	}
	return x.answer(ParseError, wire.CodeBadMessage, reason.Error(), nullID, err)
}

// tooLarge makes the value a single member refused for its size; prefix is
// its beginning.
func (x *exchange) tooLarge(prefix []byte, err error) int {
	id, response := prefixID(prefix)
	if response {
		seq, _ := seqOf(prefix[id.s:id.e])
		x.recs = append(x.recs, record{kind: kBadReply, seq: seq, err: err})
		return 0
	}
	e := nullID
	if id.ok() {
		e = makeID(prefix[id.s:id.e])
	}
	return x.answer(InvalidRequest, wire.CodeTooLarge, "request too large", e, err)
}

// prefixID looks for the "id" of the object that starts b, of which b may
// be only the beginning, among the members b holds whole. response reports
// an id found in a response ("result" or "error" seen, "method" not).
func prefixID(b []byte) (id span, response bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return span{}, false
	}
	method, result := false, false
	defer func() { response = id.ok() && result && !method }()
	for i++; ; i++ { // i++: past the '{' or the ','
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return id, false
		}
		k, err := validString(b, i)
		if err != nil {
			return id, false
		}
		key := b[i:k]
		i = skipSpace(b, k)
		if i >= len(b) || b[i] != ':' {
			return id, false
		}
		var kb [64]byte
		name := string(memberName(key, &kb))
		switch name {
		case "method":
			method = true
		case "result", "error":
			result = true
		}
		v := skipSpace(b, i+1)
		end, err := validValue(b, v)
		if err != nil || end >= len(b) { // a value the cut may have shortened
			return id, false
		}
		if name == "id" && validID(b, span{v, end}) {
			id = span{v, end}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			return id, false
		}
	}
}

// drop ends the value being read, if any.
func (x *exchange) drop() {
	if x.own != nil {
		bufpool.Put(x.own)
		x.own = nil
	}
	x.val, x.held = nil, nil
	if cap(x.recs) > maxKeptRecords {
		x.recs = nil
	}
	x.recs, x.pos = x.recs[:0], 0
}

// decode classifies the members of b and registers those to be answered.
func (x *exchange) decode(b []byte) int {
	x.val = b
	if len(b) > x.limit {
		return x.tooLarge(b, fmt.Errorf("jsonrpc: value is %d bytes, limit %d: %w", len(b), x.limit, wire.ErrTooLarge))
	}
	if err := validate(b); err != nil {
		if err == errTooDeep {
			return x.answer(InvalidRequest, wire.CodeBadMessage, err.Error(), nullID,
				fmt.Errorf("jsonrpc: invalid request: %w: %w", err, wire.ErrMalformed))
		}
		return x.answer(ParseError, wire.CodeBadMessage, err.Error(), nullID, fmt.Errorf("%w: %w: %w", errParse, err, wire.ErrMalformed))
	}
	i := skipSpace(b, 0)
	switch b[i] {
	case '{':
		end := len(b) // validate saw one value: it ends with b's last non-space byte
		for isSpace(b[end-1]) {
			end--
		}
		x.recs = append(x.recs, classify(b, span{i, end}))
		r := &x.recs[0]
		if r.kind != kCall && r.kind != kAnswer {
			return 0
		}
		e := entry{id: nullID}
		if r.kind == kAnswer {
			e.spec, e.code, e.detail = InvalidRequest, r.code, r.msgDetail()
		}
		if r.o.id.ok() && validID(b, r.o.id) {
			e.id = makeID(b[r.o.id.s:r.o.id.e])
		}
		x.mu.Lock()
		r.seq = x.registerLocked(&e)
		x.mu.Unlock()
		return 1
	case '[':
		it := iter{b: b, i: i + 1}
		answered := 0
		for {
			v, ok := it.elem()
			if !ok {
				break
			}
			r := classify(b, v)
			if r.kind == kCall || r.kind == kAnswer {
				answered++
			}
			x.recs = append(x.recs, r)
		}
		if len(x.recs) == 0 {
			return x.answer(InvalidRequest, wire.CodeBadMessage, "empty batch", nullID,
				fmt.Errorf("jsonrpc: invalid request: empty batch: %w", wire.ErrMalformed))
		}
		if answered == 0 {
			return 0
		}
		bt := &batch{left: answered, size: 2, spans: make([]span, answered)}
		idx := 0
		x.mu.Lock()
		for k := range x.recs {
			r := &x.recs[k]
			if r.kind != kCall && r.kind != kAnswer {
				continue
			}
			e := entry{b: bt, idx: idx, id: nullID}
			idx++
			if r.kind == kAnswer {
				e.spec, e.code, e.detail = InvalidRequest, r.code, r.msgDetail()
			}
			if r.o.id.ok() && validID(b, r.o.id) {
				e.id = makeID(b[r.o.id.s:r.o.id.e])
			}
			r.seq = x.registerLocked(&e)
		}
		x.mu.Unlock()
		return answered
	}
	return x.answer(InvalidRequest, wire.CodeBadMessage, "not an object or an array", nullID,
		fmt.Errorf("jsonrpc: invalid request: not an object or an array: %w", wire.ErrMalformed))
}

// answer makes the value a single member that breaks the specification:
// Next returns a MessageError with err and status code, and the answer
// is error spec with id.
func (x *exchange) answer(spec int, code int32, detail string, id idBytes, err error) int {
	e := entry{spec: spec, code: code, detail: detail, id: id}
	x.mu.Lock()
	seq := x.registerLocked(&e)
	x.mu.Unlock()
	x.recs = append(x.recs, record{kind: kAnswer, seq: seq, code: code, err: err})
	return 1
}

// registerLocked remembers e under a new seq and returns the seq.
func (x *exchange) registerLocked(e *entry) uint32 {
	for tries := 0; ; tries++ {
		seq := x.next()
		if _, taken := x.calls[seq]; (seq == 0 || taken) && tries < 1<<20 {
			continue
		}
		x.calls[seq] = *e
		return seq
	}
}

// Next reads the next message of the value into m, which the caller has
// Reset. A member that breaks the specification gives a *wire.MessageError
// instead: one with Type wire.TypeCall for a request, whose Seq the rpc
// layer answers with a reply that Reply turns into the JSON-RPC error, and
// one with Type wire.TypeReply for a response (Seq is 0 when its id is not
// one of this side's calls). Next returns io.EOF when the value has no
// more members.
func (x *exchange) Next(m *wire.Message) error {
	if x.pos >= len(x.recs) {
		x.drop()
		return io.EOF
	}
	r := &x.recs[x.pos]
	x.pos++
	last := x.pos == len(x.recs)
	var err error
	switch r.kind {
	case kCall, kPush:
		x.request(m, r, last)
	case kReply:
		x.response(m, r, last)
	case kAnswer:
		err = &wire.MessageError{Type: wire.TypeCall, Seq: r.seq, Code: r.code, Err: r.err}
	case kBadReply:
		err = &wire.MessageError{Type: wire.TypeReply, Seq: r.seq, Err: r.err}
	}
	if last {
		x.drop()
	}
	return err
}

// request fills m from a call or notification.
func (x *exchange) request(m *wire.Message, r *record, last bool) {
	b := x.val
	m.Type, m.Seq = wire.TypePush, 0
	if r.kind == kCall {
		m.Type, m.Seq, m.ReplyCodec = wire.TypeCall, r.seq, codecJSON
	}
	m.Method = x.method(b[r.o.method.s:r.o.method.e])
	m.Timeout = r.timeout
	x.meta(m, r.o.meta)
	if r.body.ok() {
		x.body(m, r.body, last)
	}
}

// response fills m from a response.
func (x *exchange) response(m *wire.Message, r *record, last bool) {
	b := x.val
	m.Type, m.Seq = wire.TypeReply, r.seq
	x.meta(m, r.o.meta)
	if r.o.error.ok() {
		m.Code, m.Error = r.code, unquote(b[r.msg.s:r.msg.e])
		return
	}
	x.body(m, r.o.result, last)
}

// body sets m's body to the value at sp: in the value's own buffer when m
// holds it (see decodeHeld), else in a copy that m holds.
func (x *exchange) body(m *wire.Message, sp span, last bool) {
	m.Codec = codecJSON
	if x.held == m && last {
		m.Body = x.val[sp.s:sp.e:sp.e]
		return
	}
	b := m.AllocBody(sp.e - sp.s)
	copy(b, x.val[sp.s:sp.e])
	m.Body = b
}

// meta appends the pairs of the meta object at sp, if any, to m.Meta. Keys
// and values that need no decoding are slices of one string.
func (x *exchange) meta(m *wire.Message, sp span) {
	if !sp.ok() {
		return
	}
	b := x.val
	var whole string
	str := func(t span) string {
		tok := b[t.s:t.e]
		if !plain(tok) {
			return unquote(tok)
		}
		if whole == "" {
			whole = string(b[sp.s:sp.e])
		}
		return whole[t.s+1-sp.s : t.e-1-sp.s]
	}
	it := iter{b: b, i: sp.s + 1}
	for {
		k, v, ok := it.member()
		if !ok {
			return
		}
		key := str(k)
		m.Meta.Append(key, str(v))
	}
}

// method returns the routed path for a method token: the name with a
// leading "/" added when it has none. Known names cost no allocation.
func (x *exchange) method(tok []byte) string {
	if !plain(tok) {
		name := unquote(tok)
		if len(name) > 0 && name[0] == '/' {
			return name
		}
		return "/" + name
	}
	name := tok[1 : len(tok)-1]
	if s, ok := x.methods[string(name)]; ok {
		return s
	}
	var s string
	if len(name) > 0 && name[0] == '/' {
		s = string(name)
	} else {
		s = "/" + string(name)
	}
	if len(x.methods) < maxCachedMethods && len(name) <= maxCachedMethodLen {
		x.methods[string(name)] = s
	}
	return s
}

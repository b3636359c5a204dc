package jsonrpc

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

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
	// maxKeptScratch caps the scratch buffer an exchange keeps for the
	// next value.
	maxKeptScratch = 4 << 10
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
	next     func() uint32
	limit    int
	metaCaps wire.MetadataLimits // caps the metadata of each member read
	budget   *wire.Budget        // reserves the bodies the exchange copies; nil: none
	maxBatch int                 // caps the members of a batch read

	// The reading side's state.
	val     []byte        // the value being read
	hold    wire.Message  // holds val when the exchange copied it: a batch the stream framer read
	held    *wire.Message // the message whose buffer holds val, if one does
	recs    []record      // val's members
	pos     int           // the next member Next returns
	methods map[string]string
	scratch []byte // a string decoded to count its bytes

	mu      sync.Mutex
	calls   map[uint32]entry     // seqs of single requests waiting for the rpc layer's reply
	members map[uint32]memberRef // seqs of batch members waiting, each with its batch; nil: none
}

// newExchange returns an exchange whose seqs come from next and whose
// values, in both directions, are at most opts.Limit() bytes; it reads a
// member's metadata within opts.MetadataLimits(), copies bodies within
// opts.Budget, and reads batches of at most maxBatch members (zero or less
// means DefaultMaxBatch). next is called only by the reading side; a seq
// it returns that is 0 or still waiting for its reply is skipped.
func newExchange(next func() uint32, opts wire.Options, maxBatch int) *exchange {
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	return &exchange{
		next:     next,
		limit:    opts.Limit(),
		metaCaps: opts.MetadataLimits(),
		budget:   opts.Budget,
		maxBatch: maxBatch,
		methods:  make(map[string]string),
		calls:    make(map[uint32]entry),
	}
}

// entry is what the writing side needs to answer a seq.
type entry struct {
	spec   int    // not 0: answer with this error code, whatever the reply says
	code   int32  // with spec: the status code for the error's data
	said   bool   // with spec: the message says what was wrong too, not only the data
	detail string // with spec: what was wrong
	id     idBytes
}

// batch collects the responses to a batch's members. Its members' entries
// are its own, so that a member waiting for its reply costs the map of
// waiting seqs a reference only.
type batch struct {
	left    int     // replies still to come
	size    int     // the size of the response array so far
	out     []byte  // the member responses, in the order they came
	entries []entry // the answered members', in request order
	spans   []span  // where each member's response is in out, in request order
}

// memberRef is a batch member waiting for its reply: its batch, and its
// position among the batch's answered members.
type memberRef struct {
	b   *batch
	idx int
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
// Next that follows. When the value is a single object, the message's Body
// points into the value instead of a copy: m keeps the buffer. A batch is
// copied first into a buffer of the exchange's own, reserved from the
// budget, which it gives back once it is done with the value; a batch the
// budget cannot hold is refused whole, with one answer.
func (x *exchange) decodeHeld(m *wire.Message, value []byte) int {
	x.drop()
	if i := skipSpace(value, 0); i == len(value) || value[i] != '[' {
		x.held = m
		return x.decode(value)
	}
	if err := x.hold.Reserve(x.budget, len(value)); err != nil {
		return x.answer(ServerError, wire.CodeOverloaded, "batch over the memory budget", nullID,
			fmt.Errorf("jsonrpc: batch of %d bytes: %w", len(value), err))
	}
	own := x.hold.AllocBody(len(value))
	copy(own, value)
	return x.decode(own)
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
// that call's seq instead, and nothing is answered. When reason wraps
// wire.ErrOverBudget, the same goes with a Server error whose data
// carries wire.CodeOverloaded. Otherwise the value is answered as a Parse
// error with a null id. Refuse returns the number of answers the value
// will get, 0 or 1.
func (x *exchange) Refuse(prefix []byte, reason error) int {
	x.drop()
	switch {
	case errors.Is(reason, wire.ErrTooLarge):
		return x.tooLarge(prefix, reason)
	case errors.Is(reason, wire.ErrOverBudget):
		return x.refuseWhole(prefix, ServerError, wire.CodeOverloaded, "value over the memory budget", reason)
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
	return x.refuseWhole(prefix, InvalidRequest, wire.CodeTooLarge, "request too large", err)
}

// refuseWhole makes the value a single member refused with err, answered
// with error spec, status code and detail; prefix is its beginning, where
// the id is looked for. A response to one of this side's calls fails that
// call with code instead.
func (x *exchange) refuseWhole(prefix []byte, spec int, code int32, detail string, err error) int {
	id, response := prefixID(prefix)
	if response {
		seq, _ := seqOf(prefix[id.s:id.e])
		x.recs = append(x.recs, record{kind: kBadReply, seq: seq, code: code, err: err})
		return 0
	}
	e := nullID
	if id.ok() {
		e = makeID(prefix[id.s:id.e])
	}
	return x.answer(spec, code, detail, e, err)
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
	x.hold.Release()
	x.val, x.held = nil, nil
	if cap(x.recs) > maxKeptRecords {
		x.recs = nil
	}
	x.recs, x.pos = x.recs[:0], 0
	if cap(x.scratch) > maxKeptScratch {
		x.scratch = nil
	}
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
		x.recs = append(x.recs, x.classify(b, span{i, end}))
		r := &x.recs[0]
		if r.kind != kCall && r.kind != kAnswer {
			return 0
		}
		e := entry{id: nullID}
		if r.kind == kAnswer {
			e.spec, e.code, e.detail = InvalidRequest, r.code, r.msgDetail()
		}
		if r.id.ok() && validID(b, r.id) {
			e.id = makeID(b[r.id.s:r.id.e])
		}
		x.mu.Lock()
		r.seq = x.registerLocked(&e)
		x.mu.Unlock()
		return 1
	case '[':
		it := iter{b: b, i: i + 1}
		answered := 0
		for n := 1; ; n++ {
			v, ok := it.elem()
			if !ok {
				break
			}
			if n == min(x.maxBatch, maxKeptRecords)+1 {
				// A long batch: count the rest of its members before
				// making a record of another, so that a batch over the
				// cap gets one answer, whatever it holds, and one within
				// it room for all its records at once.
				total := n + it.count()
				if total > x.maxBatch {
					x.recs = x.recs[:0]
					detail := fmt.Sprintf("batch of %d members, at most %d", total, x.maxBatch)
					e := entry{spec: InvalidRequest, code: wire.CodeTooLarge, said: true, detail: detail, id: nullID}
					return x.answerEntry(e, fmt.Errorf("jsonrpc: %s: %w", detail, wire.ErrTooLarge))
				}
				x.recs = slices.Grow(x.recs, total-len(x.recs))
			}
			r := x.classify(b, v)
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
		bt := &batch{left: answered, size: 2, entries: make([]entry, answered), spans: make([]span, answered)}
		idx := 0
		x.mu.Lock()
		if x.members == nil {
			x.members = make(map[uint32]memberRef, answered)
		}
		for k := range x.recs {
			r := &x.recs[k]
			if r.kind != kCall && r.kind != kAnswer {
				continue
			}
			e := &bt.entries[idx]
			e.id = nullID
			if r.kind == kAnswer {
				e.spec, e.code, e.detail = InvalidRequest, r.code, r.msgDetail()
			}
			if r.id.ok() && validID(b, r.id) {
				e.id = makeID(b[r.id.s:r.id.e])
			}
			r.seq = x.newSeqLocked()
			x.members[r.seq] = memberRef{bt, idx}
			idx++
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
	return x.answerEntry(entry{spec: spec, code: code, detail: detail, id: id}, err)
}

// answerEntry is answer with the entry e that the answer is made from.
func (x *exchange) answerEntry(e entry, err error) int {
	x.mu.Lock()
	seq := x.registerLocked(&e)
	x.mu.Unlock()
	x.recs = append(x.recs, record{kind: kAnswer, seq: seq, code: e.code, err: err})
	return 1
}

// registerLocked remembers e, a single request's, under a new seq and
// returns the seq.
func (x *exchange) registerLocked(e *entry) uint32 {
	seq := x.newSeqLocked()
	x.calls[seq] = *e
	return seq
}

// newSeqLocked returns a seq from next that is not 0 and not waiting for
// a reply.
func (x *exchange) newSeqLocked() uint32 {
	for tries := 0; ; tries++ {
		seq := x.next()
		_, single := x.calls[seq]
		_, member := x.members[seq]
		if (seq == 0 || single || member) && tries < 1<<20 {
			continue
		}
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
		err = x.request(m, r, last)
	case kReply:
		err = x.response(m, r, last)
	case kAnswer:
		err = &wire.MessageError{Type: wire.TypeCall, Seq: r.seq, Code: r.code, Err: r.err}
	case kBadReply:
		err = &wire.MessageError{Type: wire.TypeReply, Seq: r.seq, Code: r.code, Err: r.err}
	}
	if last {
		x.drop()
	}
	return err
}

// request fills m from a call or notification, or returns the
// MessageError of one whose body the budget cannot hold.
func (x *exchange) request(m *wire.Message, r *record, last bool) error {
	b := x.val
	m.Type, m.Seq = wire.TypePush, 0
	if r.kind == kCall {
		m.Type, m.Seq, m.ReplyCodec = wire.TypeCall, r.seq, codecJSON
	}
	m.Method = x.method(b[r.method.s:r.method.e])
	m.Timeout = r.timeout
	x.meta(m, r.meta)
	if r.body.ok() {
		return x.body(m, r.body, last)
	}
	return nil
}

// response fills m from a response, or returns the MessageError of one
// whose body the budget cannot hold.
func (x *exchange) response(m *wire.Message, r *record, last bool) error {
	b := x.val
	m.Type, m.Seq = wire.TypeReply, r.seq
	x.meta(m, r.meta)
	if !r.body.ok() { // an error response
		m.Code, m.Error = r.code, unquote(b[r.msg.s:r.msg.e])
		return nil
	}
	return x.body(m, r.body, last)
}

// body sets m's body to the value at sp: in the value's own buffer when m
// holds it (see decodeHeld), else in a copy that m holds, reserved from
// the budget. When the budget cannot hold the copy, it Resets m and
// returns a MessageError of m's type and seq, wrapping wire.ErrOverBudget
// with Code wire.CodeOverloaded.
func (x *exchange) body(m *wire.Message, sp span, last bool) error {
	m.Codec = codecJSON
	if x.held == m && last {
		m.Body = x.val[sp.s:sp.e:sp.e]
		return nil
	}
	n := sp.e - sp.s
	if err := m.Reserve(x.budget, n); err != nil {
		t, seq := m.Type, m.Seq
		m.Reset()
		return &wire.MessageError{Type: t, Seq: seq, Code: wire.CodeOverloaded, Err: fmt.Errorf("jsonrpc: body of %d bytes: %w", n, err)}
	}
	b := m.AllocBody(n)
	copy(b, x.val[sp.s:sp.e])
	m.Body = b
	return nil
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

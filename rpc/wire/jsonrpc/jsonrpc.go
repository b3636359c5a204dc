package jsonrpc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// DefaultMaxBatch is the most members a batch may have when
// Format.MaxBatch is zero: 1000. Each member is a call the rpc layer
// handles at once, with a handler of its own, and the batch's response
// waits for all of them: a batch of 4 MiB could otherwise hold two million
// members, each costing a few hundred bytes and a log line to refuse.
// 1000 is far beyond the batches clients send (tens), and the default of
// other servers (go-ethereum's BatchRequestLimit).
const DefaultMaxBatch = 1000

// Format is JSON-RPC 2.0 over a byte stream: one JSON value after another.
// Its zero value is ready to use.
type Format struct {
	// MaxBatch caps the members of a batch that a framer, or a body
	// exchange, reads: a longer batch is answered with one Invalid
	// Request error, whatever its members are. Zero or less means
	// DefaultMaxBatch.
	MaxBatch int
}

var (
	_ wire.Format       = Format{}
	_ wire.Sniffer      = Format{}
	_ wire.BodyProtocol = Format{}
	_ wire.BodyExchange = (*exchange)(nil)
)

// Name returns "jsonrpc".
func (Format) Name() string { return "jsonrpc" }

// NewBodyExchange returns the JSON-RPC state of one connection of a
// format that carries one JSON-RPC value in each body of its requests:
// http, at its JSONRPCPath. The stream framer is built on the same state.
// opts are the carrying framer's: the size limit, the caps on metadata and
// the budget the bodies of a batch's members are copied within.
func (ft Format) NewBodyExchange(next func() uint32, opts wire.Options) wire.BodyExchange {
	return newExchange(next, opts, ft.MaxBatch)
}

// NewFramer returns a framer that reads JSON-RPC values from r and refuses
// values larger than opts.Limit() in both directions, members whose
// metadata passes opts.MetadataLimits() and batches longer than MaxBatch.
// It reserves each value's buffer from opts.Budget before it allocates
// it. Both ends of a connection may send requests, so opts.Client makes
// no difference.
func (ft Format) NewFramer(r *bufio.Reader, opts wire.Options) wire.Framer {
	f := &framer{r: r, limit: opts.Limit(), budget: opts.Budget, skipLimit: maxSkip}
	f.x = newExchange(f.nextSeq, opts, ft.MaxBatch)
	return f
}

// Sniff recognises a stream that starts, after optional JSON whitespace,
// with '{' followed by '"' or '}', or with '[' followed by the start of a
// JSON value or ']': a JSON object or array, which is how every JSON-RPC
// request and batch begins. A prefix of 16 bytes that is whitespace, or
// '{' or '[' and whitespace, gives No and Yes respectively; a shorter one
// gives NeedMore.
func (Format) Sniff(prefix []byte) wire.SniffResult {
	const most = 16
	i := skipSpace(prefix, 0)
	if i == len(prefix) {
		if len(prefix) >= most {
			return wire.No
		}
		return wire.NeedMore
	}
	open := prefix[i]
	if open != '{' && open != '[' {
		return wire.No
	}
	i = skipSpace(prefix, i+1)
	if i == len(prefix) {
		if len(prefix) >= most {
			return wire.Yes
		}
		return wire.NeedMore
	}
	c := prefix[i]
	if open == '{' {
		if c == '"' || c == '}' {
			return wire.Yes
		}
		return wire.No
	}
	if c == '{' || c == '[' || c == ']' || c == '"' || c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n' {
		return wire.Yes
	}
	return wire.No
}

// framer reads and writes the JSON-RPC values of one connection. Its
// exchange keeps the state shared by the two sides under a mutex.
type framer struct {
	r      *bufio.Reader
	limit  int
	budget *wire.Budget
	x      *exchange
	seq    uint32 // the last seq given to a request; only the reader uses it
	// skipLimit is maxSkip, which tests lower.
	skipLimit int
	// broken is set once the stream is out of step: every later read
	// discards the input until the connection ends.
	broken bool
	// open is the scanner's bracket stack, kept between values so that
	// reading a value does not allocate it again.
	open []byte
	// head holds the start of a value refused before any of it was
	// stored, for Refuse to look for its id in.
	head [headLen]byte
}

// headLen is how much of a value refused over the budget, before any of it
// was stored, is kept to find its id in: room for the start of a request
// as this package writes it, and a long id.
const headLen = 256

// nextSeq gives out the connection's seqs; the exchange skips those
// still in use when the counter wraps.
func (f *framer) nextSeq() uint32 {
	f.seq++
	return f.seq
}

// ReadMessage reads the next request, notification or response into m,
// which the caller has Reset. The members of a batch come from successive
// calls.
//
// A member that breaks the specification, and a value too large or not
// JSON, gives a *wire.MessageError to be answered: its Type is
// wire.TypeCall and its Seq the one whose reply AppendMessage turns into
// the JSON-RPC error (or, for a response too large whose id shows which
// call it answers, wire.TypeReply and that call's seq). A value over the
// limit is skipped to its end without being stored, and the stream stays
// in step. After a value that is not JSON, or when the stream ends inside
// a value or more than 1 GiB of it had to be skipped, the stream is out of
// step: the MessageError has Close set, and later calls discard the input
// until the connection ends. io.EOF means the stream ended between values.
func (f *framer) ReadMessage(m *wire.Message) error {
	if f.broken {
		return f.drain()
	}
	for {
		err := f.x.Next(m)
		if err == nil {
			return nil
		}
		if err != io.EOF {
			if me, ok := err.(*wire.MessageError); ok && errors.Is(me.Err, errParse) {
				me.Close, f.broken = true, true
			}
			return err
		}
		val, err := f.readValue(m)
		if err != nil {
			se, ok := err.(*scanError)
			if !ok {
				m.Release()
				return err
			}
			f.x.Refuse(val, se.err)
			m.Release()
			err := f.x.Next(m)
			if se.outOfStep {
				err.(*wire.MessageError).Close, f.broken = true, true
			}
			return err
		}
		f.x.decodeHeld(m, val)
	}
}

// drain discards the input of a broken stream until it ends.
func (f *framer) drain() error {
	for {
		if _, err := f.r.Discard(1 << 20); err != nil {
			return err
		}
	}
}

// AppendMessage appends m's JSON-RPC value to dst: a call or notification
// becomes a request object, a reply the response to the request it answers
// (or, for a member of a batch, the batch's whole response once the last
// member is answered, and nothing before). JSON-RPC has no cancels nor
// go-aways: for them it appends nothing and returns nil. On any error dst
// is returned unchanged.
func (f *framer) AppendMessage(dst []byte, m *wire.Message) ([]byte, error) {
	switch m.Type {
	case wire.TypeCall, wire.TypePush:
		return f.x.Request(dst, m)
	case wire.TypeReply:
		out, _, err := f.x.Reply(dst, m)
		return out, err
	case wire.TypeCancel, wire.TypeGoAway, wire.TypeGoAwayAck:
		return dst, nil
	}
	return dst, fmt.Errorf("jsonrpc: invalid message type %d: %w", uint8(m.Type), wire.ErrMalformed)
}

// scanError reports a value that cannot be read whole: too large (err
// wraps wire.ErrTooLarge; readValue then returns the value's first bytes
// too), not JSON, or cut off by the end of the stream. outOfStep reports
// that the next value cannot be found.
type scanError struct {
	err       error
	outOfStep bool
}

func (e *scanError) Error() string { return e.err.Error() }

// maxSkip is how much of a value over the limit the framer skips to find
// the next value before it gives up on the stream.
const maxSkip = 1 << 30

// readValue reads the next JSON value of the stream into a pooled buffer
// that m holds, skipping the whitespace before it. It finds the value's end
// with a small state machine that follows strings and nesting, without
// parsing, and stores nothing beyond the limit: it skips the rest of a
// larger value, returning its first bytes with the error. It reserves the
// buffer from the budget before it allocates it, and as it grows; a value
// the budget cannot hold is skipped the same way. It returns io.EOF when
// the stream ends before a value starts.
func (f *framer) readValue(m *wire.Message) ([]byte, error) {
	for {
		if _, err := f.r.Peek(1); err != nil {
			return nil, err
		}
		p, _ := f.r.Peek(f.r.Buffered())
		k := skipSpace(p, 0)
		f.r.Discard(k) // buffered: it cannot fail
		if k < len(p) {
			break
		}
	}
	sc := scanner{open: f.open[:0]}
	defer func() { f.open = sc.open[:0] }()
	var buf []byte
	for {
		if _, err := f.r.Peek(1); err != nil {
			if err == io.EOF && sc.scalar {
				return buf, nil // a number or literal ends with the stream
			}
			if err == io.EOF {
				return nil, &scanError{errors.New("unexpected end of the stream inside a value"), true}
			}
			return nil, err
		}
		p, _ := f.r.Peek(f.r.Buffered())
		n, done, bad := sc.scan(p)
		if bad {
			return nil, &scanError{errors.New("invalid character " + quoteByte(p[0]) + " looking for a value"), true}
		}
		if stored := len(buf); stored+n > f.limit {
			// Keep the limit's worth, for Refuse to find the id in, or
			// what the budget lets it keep.
			if more, err := appendHeld(m, buf, p[:f.limit-stored], f.limit, f.budget); err == nil {
				buf = more
			}
			f.r.Discard(n)
			return buf, f.skip(&sc, stored+n, done, f.tooLarge())
		}
		if done && buf == nil {
			// The common case: the whole value is in the read buffer.
			if err := m.Reserve(f.budget, n); err != nil {
				return f.overBudget(&sc, buf, p, n, done, err)
			}
			buf = m.AllocBody(n)
			copy(buf, p[:n])
			f.r.Discard(n)
			return buf, nil
		}
		more, err := appendHeld(m, buf, p[:n], f.limit, f.budget)
		if err != nil {
			return f.overBudget(&sc, buf, p, n, done, err)
		}
		buf = more
		f.r.Discard(n)
		if done {
			return buf, nil
		}
	}
}

// tooLarge returns the error of a value over the limit.
func (f *framer) tooLarge() error {
	return fmt.Errorf("jsonrpc: value is over the limit of %d bytes: %w", f.limit, wire.ErrTooLarge)
}

// overBudget skips a value that the budget cannot hold, of which sc has
// seen the n bytes of p that are buffered, and buf stored, and returns
// what readValue returns: the value's start, and the error that refuses it.
// When nothing is stored, the start is the head of p.
func (f *framer) overBudget(sc *scanner, buf, p []byte, n int, done bool, err error) ([]byte, error) {
	seen := len(buf) + n
	if len(buf) == 0 {
		buf = f.head[:copy(f.head[:], p[:n])]
	}
	f.r.Discard(n)
	return buf, f.skip(sc, seen, done, fmt.Errorf("jsonrpc: value over the memory budget: %w", err))
}

// skip discards the rest of a value refused with reason (over the limit,
// or the budget), of which sc has seen seen bytes, and returns the
// scanError that refuses it. It stops at maxSkip.
func (f *framer) skip(sc *scanner, seen int, done bool, reason error) error {
	for !done {
		if seen > f.skipLimit {
			return &scanError{reason, true}
		}
		if _, err := f.r.Peek(1); err != nil {
			if err == io.EOF {
				return &scanError{reason, !sc.scalar}
			}
			return err
		}
		p, _ := f.r.Peek(f.r.Buffered())
		var n int
		n, done, _ = sc.scan(p)
		f.r.Discard(n)
		seen += n
	}
	return &scanError{reason, false}
}

// appendHeld appends p to buf, the part of a value read so far into a
// pooled buffer that m holds (nil: none yet), moving it to a larger one
// when it is full; it grows by doubling, but never beyond limit. It
// reserves what it allocates from budget first, and returns the error of
// Reserve, buf unchanged, when the budget cannot hold it.
func appendHeld(m *wire.Message, buf, p []byte, limit int, budget *wire.Budget) ([]byte, error) {
	// The capacity of buf is the length of m's buffer, whose bytes are
	// all that GrowBody keeps.
	switch n := len(buf) + len(p); {
	case buf == nil:
		size := max(n, 4096)
		if err := m.Reserve(budget, size); err != nil {
			return buf, err
		}
		buf = m.AllocBody(size)[:0:size]
	case n > cap(buf):
		size := min(max(2*cap(buf), n), max(limit, n))
		if err := m.Reserve(budget, size-cap(buf)); err != nil {
			return buf, err
		}
		buf = m.GrowBody(size)[:len(buf):size]
	}
	return append(buf, p...), nil
}

// scanner finds the end of a JSON value fed to it in pieces. It tracks
// strings, escapes and which brackets are open; the value is checked once it
// is whole. A closing bracket that does not match the open one ends the
// value there, so that the check refuses it at once instead of the scanner
// waiting for input that would never balance it.
type scanner struct {
	started bool
	scalar  bool // a top-level number or literal: it ends at a byte outside scalarBytes
	inStr   bool
	esc     bool
	depth   int
	open    []byte // the open brackets, innermost last
}

// scan consumes p, the next bytes of the stream, and returns how many
// belong to the value and whether the value ends there. bad reports a
// first byte that cannot start a value.
func (s *scanner) scan(p []byte) (n int, done, bad bool) {
	i := 0
	if !s.started {
		s.started = true
		switch c := p[0]; {
		case c == '{' || c == '[':
			s.depth = 1
			s.open = append(s.open[:0], c)
		case c == '"':
			s.inStr = true
		case scalarBytes[c]: // a number or literal, or a bare word the check refuses
			s.scalar = true
		default:
			return 0, false, true
		}
		i = 1
	}
	if s.scalar {
		for i < len(p) && scalarBytes[p[i]] {
			i++
		}
		return i, i < len(p), false
	}
	for i < len(p) {
		if s.inStr {
			if s.esc {
				s.esc = false
				i++
				continue
			}
			start := i
			j := bytes.IndexByte(p[i:], '"')
			if j < 0 {
				s.esc = backslashes(p[start:])%2 == 1
				return len(p), false, false
			}
			j += i
			i = j + 1
			if backslashes(p[start:j])%2 == 0 { // not an escaped quote
				s.inStr = false
				if s.depth == 0 {
					return i, true, false
				}
			}
			continue
		}
		c := p[i]
		i++
		if !structural[c] {
			continue
		}
		switch c {
		case '"':
			s.inStr = true
		case '{', '[':
			s.depth++
			s.open = append(s.open, c)
		default:
			if top := s.open[len(s.open)-1]; top == '{' && c != '}' || top == '[' && c != ']' {
				return i, true, false // mismatched: the value ends malformed here
			}
			s.open = s.open[:len(s.open)-1]
			s.depth--
			if s.depth == 0 {
				return i, true, false
			}
		}
	}
	return i, false, false
}

// Pending reports whether members of a value already read are still to be
// returned; see wire.Pender.
func (f *framer) Pending() bool { return !f.broken && f.x.pos < len(f.x.recs) }

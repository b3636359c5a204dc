package json

import (
	"encoding/base64"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// base64Strict decodes "body64": standard base64 with padding, whose unused
// bits must be zero.
var base64Strict = base64.StdEncoding.Strict()

// object receives the members of a frame from encoding/json. Every member
// is kept as its raw JSON value, so that parse can check each one itself
// (a number must be an integer in range, a string must not be null) and
// can tell a missing member from a zero one. encoding/json matches member
// names as it always does: exactly first, else case-insensitively; when a
// member repeats, the last one wins; unknown members are skipped.
type object struct {
	V       stdjson.RawMessage `json:"v"`
	Type    stdjson.RawMessage `json:"type"`
	Seq     stdjson.RawMessage `json:"seq"`
	Method  stdjson.RawMessage `json:"method"`
	Timeout stdjson.RawMessage `json:"timeout_us"`
	Code    stdjson.RawMessage `json:"code"`
	Error   stdjson.RawMessage `json:"error"`
	Meta    stdjson.RawMessage `json:"meta"`
	Codec   stdjson.RawMessage `json:"codec"`
	Filters stdjson.RawMessage `json:"filters"`
	Body    stdjson.RawMessage `json:"body"`
	Body64  stdjson.RawMessage `json:"body64"`
}

// reset empties every member, keeping the buffers that are not too large
// for the next frame. trim calls it after each frame, so that the members
// start empty and hold no copy of a frame that has been read.
func (o *object) reset() {
	for _, p := range [...]*stdjson.RawMessage{
		&o.V, &o.Type, &o.Seq, &o.Method, &o.Timeout, &o.Code, &o.Error,
		&o.Meta, &o.Codec, &o.Filters, &o.Body, &o.Body64,
	} {
		*p = reuse(*p)
	}
}

// reuse returns b emptied, or nil when its capacity is over maxRetained.
func reuse(b []byte) []byte {
	if cap(b) > maxRetained {
		return nil
	}
	return b[:0]
}

// peekHeader finds the type and seq of a frame that cannot be decoded
// whole, from its first bytes b, where a writer puts them: it reads the
// members at the start of the object for as long as their values are
// numbers. The type is returned when "v" is 1 and "type" is valid, the seq
// when "v" is 1; otherwise both are zero.
func peekHeader(b []byte) (wire.Type, uint32) {
	l := lexer{b: b}
	if !l.eat('{') {
		return 0, 0
	}
	var v, t, seq uint64
	for {
		name, ok := l.str()
		if !ok || !l.eat(':') {
			break
		}
		lit, ok := l.num()
		if !ok {
			break
		}
		switch string(name) {
		case `"v"`:
			v, ok = uintUpTo(lit, math.MaxUint32)
		case `"type"`:
			t, ok = uintUpTo(lit, math.MaxUint8)
		case `"seq"`:
			seq, ok = uintUpTo(lit, math.MaxUint32)
		}
		if !ok || !l.eat(',') {
			break
		}
	}
	if v != Version {
		return 0, 0
	}
	if !wire.Type(t).Valid() {
		return 0, uint32(seq)
	}
	return wire.Type(t), uint32(seq)
}

// parse decodes b, everything after the length field of one frame, into m.
// The strings it makes are copies; the body is copied to the start of b,
// which m holds, and m.Body points there.
func (f *framer) parse(m *wire.Message, b []byte) error {
	if b[0] != '{' {
		return &wire.MessageError{Err: fmt.Errorf("json: frame does not start with '{': %w", wire.ErrMalformed)}
	}
	o := &f.obj
	defer f.trim()
	if err := stdjson.Unmarshal(b, o); err != nil {
		t, seq := peekHeader(b[:min(len(b), headerPeek)])
		var se *stdjson.SyntaxError
		if errors.As(err, &se) {
			return malformed(t, seq, "%v at offset %d", err, se.Offset)
		}
		return malformed(t, seq, "%v", err)
	}

	if len(o.V) == 0 {
		return malformed(0, 0, `missing "v"`)
	}
	if v, ok := uintUpTo(o.V, math.MaxUint32); !ok || v != Version {
		return malformed(0, 0, "unsupported version %s", clip(o.V))
	}
	var seq uint32
	if len(o.Seq) > 0 {
		s, ok := uintUpTo(o.Seq, math.MaxUint32)
		if !ok {
			return malformed(0, 0, `"seq" %s is not an integer from 0 to %d`, clip(o.Seq), uint32(math.MaxUint32))
		}
		seq = uint32(s)
	}
	if len(o.Type) == 0 {
		return malformed(0, seq, `missing "type"`)
	}
	ty, ok := uintUpTo(o.Type, math.MaxUint8)
	if !ok || !wire.Type(ty).Valid() {
		return malformed(0, seq, "invalid message type %s", clip(o.Type))
	}
	t := wire.Type(ty)
	m.Type, m.Seq = t, seq

	m.Method = ""
	if len(o.Method) > 0 {
		if f.scratch, ok = appendText(f.scratch[:0], o.Method); !ok {
			return malformed(t, seq, `"method" is not a string`)
		}
		m.Method = f.methods.Intern(f.scratch)
	}

	m.Timeout = 0
	if len(o.Timeout) > 0 {
		us, ok := uintUpTo(o.Timeout, math.MaxUint64)
		switch {
		case !ok:
			return malformed(t, seq, `"timeout_us" %s is not an integer from 1 to %d`, clip(o.Timeout), uint64(math.MaxUint64))
		case us == 0:
			return malformed(t, seq, "zero timeout")
		}
		m.Timeout = wire.TimeoutFromMicros(us)
	}

	m.Code = 0
	if len(o.Code) > 0 {
		c, ok := int32Of(o.Code)
		if !ok {
			return malformed(t, seq, `"code" %s is not an integer within 32 bits`, clip(o.Code))
		}
		m.Code = c
	}

	// The status message and the metadata strings share one allocation.
	if len(o.Error) > 0 {
		if f.text, ok = appendText(f.text, o.Error); !ok {
			return malformed(t, seq, `"error" is not a string`)
		}
		if len(f.text) > 0 && m.Code == 0 {
			return malformed(t, seq, `"error" without a non-zero "code"`)
		}
	}
	f.ends = append(f.ends, len(f.text))
	if len(o.Meta) > 0 {
		if err := f.parseMeta(o.Meta); err != nil {
			if errors.Is(err, wire.ErrTooLarge) {
				return &wire.MessageError{Type: t, Seq: seq, Err: err}
			}
			return malformed(t, seq, "%v", err)
		}
	}
	f.setText(m)

	m.Codec = 0
	if len(o.Codec) > 0 {
		c, ok := uintUpTo(o.Codec, math.MaxUint8)
		if !ok {
			return malformed(t, seq, `"codec" %s is not an integer from 0 to 255`, clip(o.Codec))
		}
		m.Codec = byte(c)
	}

	m.Filters = m.Filters[:0]
	if len(o.Filters) > 0 {
		var err error
		if m.Filters, err = parseFilters(m.Filters, o.Filters); err != nil {
			return malformed(t, seq, "%v", err)
		}
	}

	m.Body = nil
	var body []byte
	switch {
	case len(o.Body) > 0 && len(o.Body64) > 0:
		return malformed(t, seq, `both "body" and "body64"`)
	case len(o.Body64) > 0:
		if f.scratch, ok = appendText(f.scratch[:0], o.Body64); !ok {
			return malformed(t, seq, `"body64" is not a string`)
		}
		// The decoded body is shorter than the frame that held its text,
		// and nothing refers to b any more: decode it there.
		k, err := base64Strict.Decode(b, f.scratch)
		if err != nil {
			return malformed(t, seq, `"body64": %v`, err)
		}
		body = b[:k]
	case len(o.Body) > 0:
		body = b[:copy(b, o.Body)]
	}
	if len(body) > 0 {
		m.Body = body[:len(body):len(body)]
	}
	return nil
}

// parseMeta appends the strings of meta, the raw value of the "meta"
// member, to f.text, marking the end of each in f.ends. The value must be
// an array of pairs, each an array of exactly two strings; it may be empty.
// Metadata over f.meta gives an error wrapping wire.ErrTooLarge as soon as
// the pairs decoded pass it.
func (f *framer) parseMeta(meta []byte) error {
	l := lexer{b: meta}
	if !l.eat('[') {
		return errors.New(`"meta" is not an array`)
	}
	if l.eat(']') {
		return nil
	}
	start := len(f.text) // the status message comes before
	for i := 0; ; i++ {
		if i == f.meta.Pairs {
			return f.meta.Check("json", i+1, len(f.text)-start)
		}
		if !l.eat('[') {
			return fmt.Errorf(`"meta" pair %d is not an array`, i)
		}
		for j := range 2 {
			if j == 1 && !l.eat(',') {
				return fmt.Errorf(`"meta" pair %d has fewer than two strings`, i)
			}
			lit, ok := l.str()
			if ok {
				f.text, ok = appendText(f.text, lit)
			}
			if !ok {
				return fmt.Errorf(`"meta" pair %d: element %d is not a string`, i, j)
			}
			if err := f.meta.Check("json", i+1, len(f.text)-start); err != nil {
				return err
			}
			f.ends = append(f.ends, len(f.text))
		}
		if !l.eat(']') {
			return fmt.Errorf(`"meta" pair %d has more than two elements`, i)
		}
		if !l.eat(',') {
			break
		}
	}
	return nil // encoding/json checked that the array closes here
}

// setText makes one string of f.text and hands it out, in the order
// f.ends marks it: the status message, then the metadata keys and values.
func (f *framer) setText(m *wire.Message) {
	s := string(f.text)
	m.Error = s[:f.ends[0]]
	m.Meta.Reset()
	for i := 1; i+1 < len(f.ends); i += 2 {
		m.Meta.Append(s[f.ends[i-1]:f.ends[i]], s[f.ends[i]:f.ends[i+1]])
	}
}

// trim empties the framer's scratch buffers after a frame, dropping those
// that grew over maxRetained.
func (f *framer) trim() {
	f.obj.reset()
	f.text, f.scratch = reuse(f.text), reuse(f.scratch)
	if cap(f.ends)*8 > maxRetained {
		f.ends = nil
	}
	f.ends = f.ends[:0]
}

// parseFilters appends to dst the ids listed in filters, the raw value of
// the "filters" member: an array of 1 to 255 integers from 1 to 255.
func parseFilters(dst, filters []byte) ([]byte, error) {
	l := lexer{b: filters}
	if !l.eat('[') {
		return dst, errors.New(`"filters" is not an array`)
	}
	if l.eat(']') {
		return dst, errors.New(`empty "filters"`)
	}
	for i := 0; ; i++ {
		if i == maxFilters {
			return dst, fmt.Errorf(`more than %d "filters"`, maxFilters)
		}
		lit, ok := l.num()
		var id uint64
		if ok {
			id, ok = uintUpTo(lit, math.MaxUint8)
		}
		if !ok || id == 0 {
			return dst, fmt.Errorf(`filter %d is not an integer from 1 to 255`, i)
		}
		dst = append(dst, byte(id))
		if !l.eat(',') {
			break
		}
	}
	return dst, nil
}

// clip returns the start of a raw JSON value for an error message.
func clip(v []byte) string {
	const limit = 24
	if len(v) > limit {
		return string(v[:limit]) + "..."
	}
	return string(v)
}

// malformed returns the error for a frame that breaks the format; t and
// seq are those of its header, when they could be read.
func malformed(t wire.Type, seq uint32, format string, args ...any) error {
	return &wire.MessageError{
		Type: t,
		Seq:  seq,
		Err:  fmt.Errorf("json: "+format+": %w", append(args, wire.ErrMalformed)...),
	}
}

package pb

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// header is what a reader has learnt so far of a frame's version, type and
// seq, so that its errors can name the frame.
type header struct {
	version, typ uint64
	seq          uint32
}

// known returns the type and seq that an error may report: none unless the
// version is 1, and the type only when it is valid.
func (h header) known() (wire.Type, uint32) {
	if h.version != Version {
		return 0, 0
	}
	if h.typ > math.MaxUint8 || !wire.Type(h.typ).Valid() {
		return 0, h.seq
	}
	return wire.Type(h.typ), h.seq
}

// malformed returns the error for a frame that breaks the format, naming
// the frame by what h knows of it.
func (h header) malformed(format string, args ...any) error {
	t, seq := h.known()
	return &wire.MessageError{
		Type: t,
		Seq:  seq,
		Err:  fmt.Errorf("pb: "+format+": %w", append(args, wire.ErrMalformed)...),
	}
}

// peekFrame finds the type and seq of a frame refused for its size in b,
// its first bytes (see header.known).
func peekFrame(b []byte) (wire.Type, uint32) { return peekHeader(b).known() }

// peekHeader reads the version, type and seq fields from b, the start of
// a frame that is not read whole, where a writer puts them; it stops at
// the first field it cannot read in b.
func peekHeader(b []byte) header {
	var h header
	for len(b) > 0 {
		num, wt, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		if wt == protowire.VarintType && (num == fieldVersion || num == fieldType || num == fieldSeq) {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				break
			}
			switch {
			case num == fieldVersion:
				h.version = v
			case num == fieldType:
				h.typ = v
			case num == fieldSeq && v <= math.MaxUint32:
				h.seq = uint32(v)
			}
			b = b[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(num, wt, b); n < 0 {
			break
		}
		b = b[n:]
	}
	return h
}

// fieldNames names the frame's fields in errors.
var fieldNames = [...]string{
	fieldVersion: "version",
	fieldType:    "type",
	fieldSeq:     "seq",
	fieldMethod:  "method",
	fieldTimeout: "timeout_us",
	fieldCode:    "code",
	fieldError:   "error",
	fieldMeta:    "meta",
	fieldCodec:   "codec",
	fieldFilters: "filters",
	fieldBody:    "body",
}

// parse decodes b, everything after the length field of one frame, into m.
// It reads the fields in any order, the last of a repeated field winning
// (metadata pairs add up), and skips unknown ones. The strings it makes are
// copies, while m.Body points into b. Metadata over f.meta is refused as
// soon as the pairs counted pass it, with the type and seq of the fields
// read before.
func (f *framer) parse(m *wire.Message, b []byte) error {
	var (
		h                              header
		method, errText, filters, body []byte
		us, codec                      uint64
		code                           int32
		pairs, textLen, metaStart      int
	)
	for p := 0; p < len(b); {
		start := p
		num, wt, n := protowire.ConsumeTag(b[p:])
		if n < 0 {
			return h.malformed("field tag at offset %d: %s", p, parseReason(n, "frame"))
		}
		p += n
		switch num {
		case fieldVersion, fieldType, fieldSeq, fieldTimeout, fieldCode, fieldCodec:
			if wt != protowire.VarintType {
				return h.malformed("field %d (%s) has wire type %d, want %d (varint)", num, fieldNames[num], wt, protowire.VarintType)
			}
			v, n := protowire.ConsumeVarint(b[p:])
			if n < 0 {
				return h.malformed("field %d (%s): %s", num, fieldNames[num], parseReason(n, "frame"))
			}
			p += n
			switch num {
			case fieldVersion:
				h.version = v
			case fieldType:
				h.typ = v
			case fieldSeq:
				if v > math.MaxUint32 {
					return h.malformed("seq %d does not fit in 32 bits", v)
				}
				h.seq = uint32(v)
			case fieldTimeout:
				us = v
			case fieldCode:
				if v > math.MaxUint32 {
					return h.malformed("status code %#x does not fit in 32 bits", v)
				}
				code = int32(protowire.DecodeZigZag(v))
			case fieldCodec:
				if v > math.MaxUint8 {
					return h.malformed("codec %d does not fit in a byte", v)
				}
				codec = v
			}
		case fieldMethod, fieldError, fieldMeta, fieldFilters, fieldBody:
			if wt != protowire.BytesType {
				return h.malformed("field %d (%s) has wire type %d, want %d (length-delimited)", num, fieldNames[num], wt, protowire.BytesType)
			}
			v, n := protowire.ConsumeBytes(b[p:])
			if n < 0 {
				return h.malformed("field %d (%s): %s", num, fieldNames[num], parseReason(n, "frame"))
			}
			p += n
			switch num {
			case fieldMethod:
				method = v
			case fieldError:
				errText = v
			case fieldMeta:
				k, v, err := parsePair(v)
				if err != nil {
					return h.malformed("metadata pair %d: %v", pairs, err)
				}
				if pairs == 0 {
					metaStart = start
				}
				pairs++
				textLen += len(k) + len(v)
				if err := f.meta.Check("pb", pairs, textLen); err != nil {
					// The pairs are counted, not decoded: refuse before
					// setText would copy them.
					t, seq := h.known()
					return &wire.MessageError{Type: t, Seq: seq, Err: err}
				}
			case fieldFilters:
				filters = v
			case fieldBody:
				body = v
			}
		default:
			n := protowire.ConsumeFieldValue(num, wt, b[p:])
			if n < 0 {
				return h.malformed("unknown field %d: %s", num, parseReason(n, "frame"))
			}
			p += n
		}
	}

	if h.version != Version {
		return &wire.MessageError{Err: fmt.Errorf("pb: unsupported version %d: %w", h.version, wire.ErrMalformed)}
	}
	t, seq := h.known()
	if t == 0 {
		return h.malformed("invalid message type %d", h.typ)
	}
	if len(filters) > maxFilters {
		return h.malformed("%d filters, at most %d", len(filters), maxFilters)
	}
	for i, id := range filters {
		if id == 0 {
			return h.malformed("filter %d has id 0", i)
		}
	}
	if code == 0 && len(errText) > 0 {
		return h.malformed("status message without a status code")
	}

	m.Type, m.Seq, m.Codec, m.Code = t, seq, byte(codec), code
	m.Method = f.methods.Intern(method)
	m.Timeout = wire.TimeoutFromMicros(us)
	setText(m, b[metaStart:], errText, pairs, len(errText)+textLen)
	m.Filters = append(m.Filters[:0], filters...)
	m.Body = nil
	if len(body) > 0 {
		m.Body = body[:len(body):len(body)]
	}
	return nil
}

// setText sets m's status message to errText and its metadata to the
// first pairs metadata fields of b, the frame from its first metadata field
// on, which parse has checked, copying them all into one string of size
// bytes.
func setText(m *wire.Message, b, errText []byte, pairs, size int) {
	var sb strings.Builder
	sb.Grow(size) // no write below grows it again: one allocation
	sb.Write(errText)
	m.Error = sb.String()
	m.Meta.Reset()
	for p := 0; pairs > 0; {
		num, wt, n := protowire.ConsumeTag(b[p:])
		p += n
		if num != fieldMeta || wt != protowire.BytesType {
			p += protowire.ConsumeFieldValue(num, wt, b[p:])
			continue
		}
		v, n := protowire.ConsumeBytes(b[p:])
		p += n
		k, v, _ := parsePair(v)
		start := sb.Len()
		sb.Write(k)
		sb.Write(v)
		s := sb.String()
		m.Meta.Append(s[start:start+len(k)], s[start+len(k):])
		pairs--
	}
}

// parsePair decodes a metadata pair: its key (field 1) and value (field 2),
// either of which may be absent (empty). Unknown fields are skipped.
func parsePair(b []byte) (key, value []byte, err error) {
	for len(b) > 0 {
		num, wt, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, fmt.Errorf("field tag: %s", parseReason(n, "pair"))
		}
		b = b[n:]
		if num != fieldKey && num != fieldValue {
			if n = protowire.ConsumeFieldValue(num, wt, b); n < 0 {
				return nil, nil, fmt.Errorf("unknown field %d: %s", num, parseReason(n, "pair"))
			}
			b = b[n:]
			continue
		}
		what := "key"
		if num == fieldValue {
			what = "value"
		}
		if wt != protowire.BytesType {
			return nil, nil, fmt.Errorf("field %d (%s) has wire type %d, want %d (length-delimited)", num, what, wt, protowire.BytesType)
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, nil, fmt.Errorf("field %d (%s): %s", num, what, parseReason(n, "pair"))
		}
		b = b[n:]
		if num == fieldKey {
			key = v
		} else {
			value = v
		}
	}
	return key, value, nil
}

// parseReason describes the failure that protowire reports as the negative
// count n, met while reading a frame or a pair (within). It does not pass
// protowire's errors on as they are: their text starts with "proto:" and
// a space that protowire varies on purpose.
func parseReason(n int, within string) string {
	err := protowire.ParseError(n)
	if err == io.ErrUnexpectedEOF {
		return "runs past the end of the " + within
	}
	_, s, ok := strings.Cut(err.Error(), ":")
	if !ok {
		return err.Error()
	}
	return strings.TrimLeftFunc(s, unicode.IsSpace)
}

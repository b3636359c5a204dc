package raw

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// peekHeader finds the type and seq of a frame refused for its size in
// its fixed header, the first headerSize bytes of b: the type when the
// version is known and the type valid, the seq when the version is known.
func peekHeader(b []byte) (wire.Type, uint32) {
	if len(b) < headerSize || b[0] != Version {
		return 0, 0
	}
	return wire.Type(b[1]), binary.BigEndian.Uint32(b[4:8])
}

// parse decodes b, everything after the length field of one frame, into m.
// The strings it makes are copies, while m.Body points into b.
func (f *framer) parse(m *wire.Message, b []byte) error {
	if b[0] != Version {
		return &wire.MessageError{Err: fmt.Errorf("raw: unsupported version %d: %w", b[0], wire.ErrMalformed)}
	}
	t, flags, seq := wire.Type(b[1]), b[2], binary.BigEndian.Uint32(b[4:8])
	if !t.Valid() {
		return malformed(0, seq, "invalid message type %d", b[1])
	}
	if flags&^knownFlags != 0 {
		return malformed(t, seq, "unknown flag bits %#02x", flags&^knownFlags)
	}
	m.Type, m.Seq, m.Codec = t, seq, b[3]
	p := headerSize

	ml, k := binary.Uvarint(b[p:])
	if k <= 0 {
		return malformed(t, seq, "method length: %s", varintReason(k))
	}
	p += k
	if ml > uint64(len(b)-p) {
		return malformed(t, seq, "method length %d runs past the end of the frame", ml)
	}
	m.Method = f.methods.Intern(b[p : p+int(ml)])
	p += int(ml)

	m.Timeout = 0
	if flags&flagTimeout != 0 {
		us, k := binary.Uvarint(b[p:])
		if k <= 0 {
			return malformed(t, seq, "timeout: %s", varintReason(k))
		}
		if us == 0 {
			return malformed(t, seq, "zero timeout")
		}
		p += k
		m.Timeout = wire.TimeoutFromMicros(us)
	}

	m.Code, m.Error = 0, ""
	if flags&flagStatus != 0 {
		c, k := binary.Varint(b[p:])
		if k <= 0 {
			return malformed(t, seq, "status code: %s", varintReason(k))
		}
		if c == 0 {
			return malformed(t, seq, "zero status code")
		}
		if c < math.MinInt32 || c > math.MaxInt32 {
			return malformed(t, seq, "status code %d does not fit in 32 bits", c)
		}
		p += k
		el, k := binary.Uvarint(b[p:])
		if k <= 0 {
			return malformed(t, seq, "status message length: %s", varintReason(k))
		}
		p += k
		if el > uint64(len(b)-p) {
			return malformed(t, seq, "status message length %d runs past the end of the frame", el)
		}
		m.Code, m.Error = int32(c), string(b[p:p+int(el)])
		p += int(el)
	}

	m.Meta.Reset()
	if flags&flagMeta != 0 {
		var err error
		if p, err = f.parseMeta(m, b, p); err != nil {
			if errors.Is(err, wire.ErrTooLarge) {
				return &wire.MessageError{Type: t, Seq: seq, Err: err}
			}
			return malformed(t, seq, "%v", err)
		}
	}

	m.Filters = m.Filters[:0]
	if flags&flagFilters != 0 {
		if p >= len(b) {
			return malformed(t, seq, "filter count runs past the end of the frame")
		}
		nf := int(b[p])
		p++
		if nf == 0 {
			return malformed(t, seq, "zero filter count")
		}
		if nf > len(b)-p {
			return malformed(t, seq, "filter count %d runs past the end of the frame", nf)
		}
		ids := b[p : p+nf]
		for i, id := range ids {
			if id == 0 {
				return malformed(t, seq, "filter %d has id 0", i)
			}
		}
		m.Filters = append(m.Filters, ids...)
		p += nf
	}

	m.Body = nil
	if p < len(b) {
		m.Body = b[p:len(b):len(b)]
	}
	return nil
}

// parseMeta decodes the metadata section that starts at b[p] into m.Meta
// and returns the offset just past it. It checks the whole section first,
// against the format and f.meta, then copies it into one string that every
// key and value slice, so that a frame's metadata costs one allocation
// however many pairs it has. A section over f.meta gives an error wrapping
// wire.ErrTooLarge, before anything is allocated.
func (f *framer) parseMeta(m *wire.Message, b []byte, p int) (int, error) {
	np, k := binary.Uvarint(b[p:])
	if k <= 0 {
		return 0, fmt.Errorf("metadata pair count: %s", varintReason(k))
	}
	if np == 0 {
		return 0, fmt.Errorf("zero metadata pairs")
	}
	p += k
	start := p
	size := 0 // bytes of the keys and values so far
	// Every pair takes at least two bytes, so a count that does not fit
	// ends the loop with a truncated varint long before np.
	for i := uint64(0); i < np; i++ {
		if i == uint64(f.meta.Pairs) {
			return 0, f.meta.Check("raw", int(i)+1, size)
		}
		for _, what := range [2]string{"key", "value"} {
			l, k := binary.Uvarint(b[p:])
			if k <= 0 {
				return 0, fmt.Errorf("metadata pair %d %s length: %s", i, what, varintReason(k))
			}
			p += k
			if l > uint64(len(b)-p) {
				return 0, fmt.Errorf("metadata pair %d %s length %d runs past the end of the frame", i, what, l)
			}
			p += int(l)
			if size += int(l); size > f.meta.Bytes {
				return 0, f.meta.Check("raw", int(i)+1, size)
			}
		}
	}

	s := string(b[start:p])
	q := 0 // offset in s, and in b from start
	field := func() string {
		l, k := binary.Uvarint(b[start+q:])
		q += k
		v := s[q : q+int(l)]
		q += int(l)
		return v
	}
	for i := uint64(0); i < np; i++ {
		key := field()
		m.Meta.Append(key, field())
	}
	return p, nil
}

// malformed returns the error for a frame whose header was readable but
// whose content breaks the format.
func malformed(t wire.Type, seq uint32, format string, args ...any) error {
	return &wire.MessageError{
		Type: t,
		Seq:  seq,
		Err:  fmt.Errorf("raw: "+format+": %w", append(args, wire.ErrMalformed)...),
	}
}

// varintReason says why encoding/binary could not decode a varint, from the
// count it returned.
func varintReason(k int) string {
	if k == 0 {
		return "truncated varint"
	}
	return "varint overflows 64 bits"
}

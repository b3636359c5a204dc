package dnsmsg

import (
	"encoding/binary"
	"fmt"
)

// Append appends m in wire form to b, compressing names, and returns the
// extended buffer. A name or TXT string over its limit is an error
// wrapping ErrLabelTooLong, ErrNameTooLong or ErrStringTooLong.
func (m *Message) Append(b []byte) ([]byte, error) {
	start := len(b)
	var c compressor
	b = binary.BigEndian.AppendUint16(b, m.ID)
	b = binary.BigEndian.AppendUint16(b, m.Flags)
	for _, n := range []int{len(m.Questions), len(m.Answers), len(m.Authorities), len(m.Additionals)} {
		if n > 0xFFFF {
			return b[:start], fmt.Errorf("%w: %d entries in a section", ErrMessageTooLong, n)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	}
	var err error
	for i := range m.Questions {
		q := &m.Questions[i]
		if b, err = appendName(b, q.Name, &c, start); err != nil {
			return b[:start], err
		}
		class := q.Class
		if q.Unicast {
			class |= topBit
		}
		b = binary.BigEndian.AppendUint16(b, q.Type)
		b = binary.BigEndian.AppendUint16(b, class)
	}
	for _, sec := range [][]Record{m.Answers, m.Authorities, m.Additionals} {
		for i := range sec {
			if b, err = appendRecord(b, &sec[i], &c, start); err != nil {
				return b[:start], err
			}
		}
	}
	if len(b)-start > 0xFFFF {
		return b[:start], fmt.Errorf("%w: %d bytes", ErrMessageTooLong, len(b)-start)
	}
	return b, nil
}

func appendRecord(b []byte, r *Record, c *compressor, start int) ([]byte, error) {
	b, err := appendName(b, r.Name, c, start)
	if err != nil {
		return b, err
	}
	class := r.Class
	if r.CacheFlush {
		class |= topBit
	}
	b = binary.BigEndian.AppendUint16(b, r.Type)
	b = binary.BigEndian.AppendUint16(b, class)
	b = binary.BigEndian.AppendUint32(b, r.TTL)
	lenAt := len(b)
	b = append(b, 0, 0)
	switch r.Type {
	case TypeA:
		if !r.Addr.Is4() {
			return b, fmt.Errorf("%w: A record %q with address %v", ErrRecord, r.Name, r.Addr)
		}
		a := r.Addr.As4()
		b = append(b, a[:]...)
	case TypeAAAA:
		if !r.Addr.Is6() || r.Addr.Is4In6() {
			return b, fmt.Errorf("%w: AAAA record %q with address %v", ErrRecord, r.Name, r.Addr)
		}
		a := r.Addr.As16()
		b = append(b, a[:]...)
	case TypePTR:
		if b, err = appendName(b, r.Target, c, start); err != nil {
			return b, err
		}
	case TypeSRV:
		b = binary.BigEndian.AppendUint16(b, r.Priority)
		b = binary.BigEndian.AppendUint16(b, r.Weight)
		b = binary.BigEndian.AppendUint16(b, r.Port)
		// RFC 2782 forbids compressing the target; RFC 6762 §18.14
		// allows it, but not every reader does.
		if b, err = appendName(b, r.Target, nil, start); err != nil {
			return b, err
		}
	case TypeTXT:
		if len(r.Text) == 0 {
			b = append(b, 0) // RFC 6763 §6.1: never empty
		}
		for _, s := range r.Text {
			if len(s) > MaxString {
				return b, fmt.Errorf("%w: %d bytes in %q", ErrStringTooLong, len(s), truncate(s))
			}
			b = append(b, byte(len(s)))
			b = append(b, s...)
		}
	default:
		return b, fmt.Errorf("%w: cannot encode type %d", ErrRecord, r.Type)
	}
	n := len(b) - lenAt - 2
	if n > 0xFFFF {
		return b, fmt.Errorf("%w: %d bytes of record data", ErrMessageTooLong, n)
	}
	binary.BigEndian.PutUint16(b[lenAt:], uint16(n))
	return b, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

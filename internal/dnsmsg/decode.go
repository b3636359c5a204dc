package dnsmsg

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Decode parses msg into m, reusing m's slices. Records of types other
// than A, AAAA, PTR, SRV and TXT are skipped. It never panics: a message
// that is truncated, whose counts promise more than it holds, or whose
// names use bad compression pointers is an error wrapping ErrTruncated,
// ErrPointer, ErrNameTooLong or ErrRecord. The counts are checked
// against the message's length before anything is allocated, so a
// header claiming 65535 records costs nothing.
func (m *Message) Decode(msg []byte) error {
	m.Questions = m.Questions[:0]
	m.Answers = m.Answers[:0]
	m.Authorities = m.Authorities[:0]
	m.Additionals = m.Additionals[:0]
	if len(msg) < headerLen {
		return fmt.Errorf("%w: %d bytes, shorter than a header", ErrTruncated, len(msg))
	}
	m.ID = binary.BigEndian.Uint16(msg)
	m.Flags = binary.BigEndian.Uint16(msg[2:])
	qd := int(binary.BigEndian.Uint16(msg[4:]))
	an := int(binary.BigEndian.Uint16(msg[6:]))
	ns := int(binary.BigEndian.Uint16(msg[8:]))
	ar := int(binary.BigEndian.Uint16(msg[10:]))
	if qd*minQuestion+(an+ns+ar)*minRecord > len(msg)-headerLen {
		return fmt.Errorf("%w: counts %d/%d/%d/%d do not fit in %d bytes", ErrTruncated, qd, an, ns, ar, len(msg))
	}
	off := headerLen
	m.Questions = grow(m.Questions, qd)
	for range qd {
		name, next, err := readName(msg, off)
		if err != nil {
			return err
		}
		if next+4 > len(msg) {
			return fmt.Errorf("%w: question at offset %d", ErrTruncated, off)
		}
		class := binary.BigEndian.Uint16(msg[next+2:])
		m.Questions = append(m.Questions, Question{
			Name:    name,
			Type:    binary.BigEndian.Uint16(msg[next:]),
			Class:   class &^ topBit,
			Unicast: class&topBit != 0,
		})
		off = next + 4
	}
	var err error
	if m.Answers, off, err = readSection(msg, off, an, m.Answers); err != nil {
		return err
	}
	if m.Authorities, off, err = readSection(msg, off, ns, m.Authorities); err != nil {
		return err
	}
	m.Additionals, _, err = readSection(msg, off, ar, m.Additionals)
	return err
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n)
	}
	return s
}

func readSection(msg []byte, off, count int, rs []Record) ([]Record, int, error) {
	rs = grow(rs, count)
	for range count {
		var r Record
		var ok bool
		var err error
		if off, ok, err = readRecord(msg, off, &r); err != nil {
			return rs, off, err
		}
		if ok {
			rs = append(rs, r)
		}
	}
	return rs, off, nil
}

// readRecord reads the record at off into r; ok is false for a type this
// package skips.
func readRecord(msg []byte, off int, r *Record) (next int, ok bool, err error) {
	name, p, err := readName(msg, off)
	if err != nil {
		return off, false, err
	}
	if p+10 > len(msg) {
		return off, false, fmt.Errorf("%w: record at offset %d", ErrTruncated, off)
	}
	r.Name = name
	r.Type = binary.BigEndian.Uint16(msg[p:])
	class := binary.BigEndian.Uint16(msg[p+2:])
	r.Class, r.CacheFlush = class&^topBit, class&topBit != 0
	r.TTL = binary.BigEndian.Uint32(msg[p+4:])
	n := int(binary.BigEndian.Uint16(msg[p+8:]))
	p += 10
	end := p + n
	if end > len(msg) {
		return off, false, fmt.Errorf("%w: %q: %d bytes of record data at offset %d", ErrTruncated, name, n, p)
	}
	data := msg[p:end]
	bad := func(what string) (int, bool, error) {
		return off, false, fmt.Errorf("%w: %q type %d: %s", ErrRecord, name, r.Type, what)
	}
	switch r.Type {
	case TypeA:
		if n != 4 {
			return bad("length is not 4")
		}
		r.Addr = netip.AddrFrom4([4]byte(data))
	case TypeAAAA:
		if n != 16 {
			return bad("length is not 16")
		}
		r.Addr = netip.AddrFrom16([16]byte(data))
	case TypePTR, TypeSRV:
		q := p
		if r.Type == TypeSRV {
			if n < 7 {
				return bad("shorter than 7 bytes")
			}
			r.Priority = binary.BigEndian.Uint16(data)
			r.Weight = binary.BigEndian.Uint16(data[2:])
			r.Port = binary.BigEndian.Uint16(data[4:])
			q += 6
		}
		// The target may point back into the message, but its own
		// labels must stay inside the record data.
		target, tn, err := readName(msg[:end], q)
		if err != nil {
			return off, false, err
		}
		if tn != end {
			return bad("target does not end the data")
		}
		r.Target = target
	case TypeTXT:
		cnt := 0
		for i := 0; i < n; i += 1 + int(data[i]) {
			if data[i] != 0 {
				cnt++
			}
		}
		r.Text = make([]string, 0, cnt)
		for i := 0; i < n; {
			l := int(data[i])
			if i+1+l > n {
				return bad("a string runs past the data")
			}
			if l > 0 {
				r.Text = append(r.Text, string(data[i+1:i+1+l]))
			}
			i += 1 + l
		}
	default:
		return end, false, nil
	}
	return end, true, nil
}

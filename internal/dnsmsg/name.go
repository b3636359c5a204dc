package dnsmsg

import (
	"fmt"
	"strings"
)

// A name in presentation form is its labels joined by dots and ending in
// a dot ("web._http._tcp.local."); "." or "" is the root. A dot or a
// backslash inside a label is escaped with a backslash ("a\.b.local." is
// the two labels "a.b" and "local"), so any label survives a round trip.

// EscapeLabel returns label in presentation form, escaping dots and
// backslashes.
func EscapeLabel(label string) string {
	if !strings.ContainsAny(label, `.\`) {
		return label
	}
	var b strings.Builder
	for i := 0; i < len(label); i++ {
		if label[i] == '.' || label[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(label[i])
	}
	return b.String()
}

// FirstLabel returns the first label of name, unescaped, and the rest of
// the name after its dot.
func FirstLabel(name string) (label, rest string) {
	var b []byte
	esc := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case esc:
			b = append(b, c)
			esc = false
		case c == '\\':
			if b == nil {
				b = append(make([]byte, 0, len(name)), name[:i]...)
			}
			esc = true
		case c == '.':
			if b == nil {
				return name[:i], name[i+1:]
			}
			return string(b), name[i+1:]
		default:
			if b != nil {
				b = append(b, c)
			}
		}
	}
	if b == nil {
		return name, ""
	}
	return string(b), ""
}

// compressor remembers where name suffixes were written, for pointers.
type compressor struct {
	names []string
	offs  []int
}

func (c *compressor) find(suffix string) int {
	for i, n := range c.names {
		if strings.EqualFold(n, suffix) {
			return c.offs[i]
		}
	}
	return -1
}

// appendName writes name in wire form to b, pointing at an earlier copy of
// its longest already written suffix when c is not nil. msgStart is where
// the message begins in b (pointers count from there).
func appendName(b []byte, name string, c *compressor, msgStart int) ([]byte, error) {
	if name == "." {
		name = ""
	}
	wire := 0
	rest := name
	for rest != "" {
		if c != nil {
			if off := c.find(rest); off >= 0 {
				return append(b, byte(0xC0|off>>8), byte(off)), nil
			}
			if off := len(b) - msgStart; off < 0x3FFF {
				c.names = append(c.names, rest)
				c.offs = append(c.offs, off)
			}
		}
		start := len(b)
		b = append(b, 0)
		esc := false
		i := 0
		for ; i < len(rest); i++ {
			ch := rest[i]
			if esc {
				b = append(b, ch)
				esc = false
				continue
			}
			if ch == '\\' {
				esc = true
				continue
			}
			if ch == '.' {
				break
			}
			b = append(b, ch)
		}
		n := len(b) - start - 1
		if n == 0 || n > MaxLabel {
			return b, fmt.Errorf("%w: %d bytes in a label of %q", ErrLabelTooLong, n, name)
		}
		b[start] = byte(n)
		wire += n + 1
		if wire+1 > MaxName {
			return b, fmt.Errorf("%w: %q", ErrNameTooLong, name)
		}
		if i < len(rest) {
			i++ // the dot
		}
		rest = rest[i:]
	}
	return append(b, 0), nil
}

// readName decodes the name at off in msg and returns it in presentation
// form and the offset just after it. Every pointer must point before the
// label that holds it, which rules out loops.
func readName(msg []byte, off int) (string, int, error) {
	var arr [2 * MaxName]byte
	out := arr[:0]
	next := -1
	wire := 0
	hops := 0
	limit := off // a pointer must point before this
	for {
		if off >= len(msg) {
			return "", 0, fmt.Errorf("%w: name at offset %d", ErrTruncated, off)
		}
		n := int(msg[off])
		switch n & 0xC0 {
		case 0x00:
			off++
			if n == 0 {
				if next < 0 {
					next = off
				}
				if len(out) == 0 {
					return ".", next, nil
				}
				return string(out), next, nil
			}
			if off+n > len(msg) {
				return "", 0, fmt.Errorf("%w: label at offset %d", ErrTruncated, off-1)
			}
			wire += n + 1
			if wire+1 > MaxName {
				return "", 0, fmt.Errorf("%w: at offset %d", ErrNameTooLong, off-1)
			}
			for _, c := range msg[off : off+n] {
				if c == '.' || c == '\\' {
					out = append(out, '\\')
				}
				out = append(out, c)
			}
			out = append(out, '.')
			off += n
		case 0xC0:
			if off+1 >= len(msg) {
				return "", 0, fmt.Errorf("%w: pointer at offset %d", ErrTruncated, off)
			}
			ptr := (n&0x3F)<<8 | int(msg[off+1])
			if next < 0 {
				next = off + 2
			}
			if ptr >= limit {
				return "", 0, fmt.Errorf("%w: pointer at offset %d to %d does not point back", ErrPointer, off, ptr)
			}
			if hops++; hops > MaxPointerHops {
				return "", 0, fmt.Errorf("%w: more than %d hops", ErrPointer, MaxPointerHops)
			}
			limit = ptr
			off = ptr
		default:
			return "", 0, fmt.Errorf("%w: label type %#x at offset %d", ErrRecord, n&0xC0, off)
		}
	}
}

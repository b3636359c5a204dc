package raw

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// AppendMessage appends m's frame to dst and returns the extended slice.
//
// It computes the frame's exact size first: a frame over the size limit
// gives an error wrapping wire.ErrTooLarge, and a message the format cannot
// carry (an invalid type, more than 255 filters, a zero filter id) one
// wrapping wire.ErrMalformed; either way dst is returned unchanged.
// Otherwise dst grows at most once.
func (f *framer) AppendMessage(dst []byte, m *wire.Message) ([]byte, error) {
	if !m.Type.Valid() {
		return dst, fmt.Errorf("raw: invalid message type %d: %w", uint8(m.Type), wire.ErrMalformed)
	}
	if len(m.Filters) > maxFilters {
		return dst, fmt.Errorf("raw: %d filters, at most %d: %w", len(m.Filters), maxFilters, wire.ErrMalformed)
	}
	for i, id := range m.Filters {
		if id == 0 {
			return dst, fmt.Errorf("raw: filter %d has id 0: %w", i, wire.ErrMalformed)
		}
	}

	var flags byte
	size := lenSize + headerSize + uvarintLen(uint64(len(m.Method))) + len(m.Method)
	var us uint64
	if m.Timeout != 0 {
		flags |= flagTimeout
		us = wire.TimeoutToMicros(m.Timeout)
		size += uvarintLen(us)
	}
	if m.Code != 0 {
		flags |= flagStatus
		size += varintLen(int64(m.Code)) + uvarintLen(uint64(len(m.Error))) + len(m.Error)
	}
	pairs := m.Meta.Len()
	if pairs > 0 {
		flags |= flagMeta
		size += uvarintLen(uint64(pairs))
		m.Meta.Range(func(k, v string) bool {
			size += uvarintLen(uint64(len(k))) + len(k) + uvarintLen(uint64(len(v))) + len(v)
			return true
		})
	}
	if len(m.Filters) > 0 {
		flags |= flagFilters
		size += 1 + len(m.Filters)
	}
	size += len(m.Body)
	if size > f.limit || uint64(size-lenSize) > math.MaxUint32 {
		return dst, fmt.Errorf("raw: %v frame is %d bytes, limit %d: %w", m.Type, size, f.limit, wire.ErrTooLarge)
	}

	dst = slices.Grow(dst, size)
	dst = binary.BigEndian.AppendUint32(dst, uint32(size-lenSize))
	dst = append(dst, Version, byte(m.Type), flags, m.Codec)
	dst = binary.BigEndian.AppendUint32(dst, m.Seq)
	dst = binary.AppendUvarint(dst, uint64(len(m.Method)))
	dst = append(dst, m.Method...)
	if flags&flagTimeout != 0 {
		dst = binary.AppendUvarint(dst, us)
	}
	if flags&flagStatus != 0 {
		dst = binary.AppendVarint(dst, int64(m.Code))
		dst = binary.AppendUvarint(dst, uint64(len(m.Error)))
		dst = append(dst, m.Error...)
	}
	if flags&flagMeta != 0 {
		dst = binary.AppendUvarint(dst, uint64(pairs))
		m.Meta.Range(func(k, v string) bool {
			dst = binary.AppendUvarint(dst, uint64(len(k)))
			dst = append(dst, k...)
			dst = binary.AppendUvarint(dst, uint64(len(v)))
			dst = append(dst, v...)
			return true
		})
	}
	if flags&flagFilters != 0 {
		dst = append(dst, byte(len(m.Filters)))
		dst = append(dst, m.Filters...)
	}
	dst = append(dst, m.Body...)
	return dst, nil
}

// uvarintLen returns the size of x as a uvarint.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// varintLen returns the size of x as a zigzag varint.
func varintLen(x int64) int {
	return uvarintLen(uint64(x<<1) ^ uint64(x>>63))
}

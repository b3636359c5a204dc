package json

import (
	"encoding/binary"
	stdjson "encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// AppendMessage appends m's frame to dst and returns the extended slice.
//
// It computes the frame's exact size first: a frame over the size limit
// gives an error wrapping wire.ErrTooLarge, and a message the format cannot
// carry (an invalid type, more than 255 filters, a zero filter id) one
// wrapping wire.ErrMalformed; either way dst is returned unchanged.
// Otherwise dst grows at most once. Strings that are not valid UTF-8 are
// written with U+FFFD in place of each invalid byte.
func (f *framer) AppendMessage(dst []byte, m *wire.Message) ([]byte, error) {
	if !m.Type.Valid() {
		return dst, fmt.Errorf("json: invalid message type %d: %w", uint8(m.Type), wire.ErrMalformed)
	}
	if len(m.Filters) > maxFilters {
		return dst, fmt.Errorf("json: %d filters, at most %d: %w", len(m.Filters), maxFilters, wire.ErrMalformed)
	}
	for i, id := range m.Filters {
		if id == 0 {
			return dst, fmt.Errorf("json: filter %d has id 0: %w", i, wire.ErrMalformed)
		}
	}

	size := lenSize + len(`{"v":1,"type":`) + uintLen(uint64(m.Type)) + len(`}`)
	if m.Seq != 0 {
		size += len(`,"seq":`) + uintLen(uint64(m.Seq))
	}
	if m.Method != "" {
		size += len(`,"method":`) + quotedLen(m.Method)
	}
	var us uint64
	if m.Timeout != 0 {
		us = wire.TimeoutToMicros(m.Timeout)
		size += len(`,"timeout_us":`) + uintLen(us)
	}
	if m.Code != 0 {
		size += len(`,"code":`) + intLen(m.Code)
		if m.Error != "" {
			size += len(`,"error":`) + quotedLen(m.Error)
		}
	}
	if pairs := m.Meta.Len(); pairs > 0 {
		// [["k","v"],["k","v"]]: brackets and a comma per pair, commas between.
		size += len(`,"meta":[]`) + pairs*len(`[,]`) + pairs - 1
		m.Meta.Range(func(k, v string) bool {
			size += quotedLen(k) + quotedLen(v)
			return true
		})
	}
	if m.Codec != 0 {
		size += len(`,"codec":`) + uintLen(uint64(m.Codec))
	}
	if len(m.Filters) > 0 {
		size += len(`,"filters":[]`) + len(m.Filters) - 1
		for _, id := range m.Filters {
			size += uintLen(uint64(id))
		}
	}
	embed := false
	if len(m.Body) > 0 {
		embed = m.Codec == codecJSON && embeddable(m.Body)
		if embed {
			size += len(`,"body":`) + len(m.Body)
		} else {
			size += len(`,"body64":""`) + base64Strict.EncodedLen(len(m.Body))
		}
	}
	if size > f.limit || uint64(size-lenSize) > math.MaxUint32 {
		return dst, fmt.Errorf("json: %v frame is %d bytes, limit %d: %w", m.Type, size, f.limit, wire.ErrTooLarge)
	}

	dst = slices.Grow(dst, size)
	dst = binary.BigEndian.AppendUint32(dst, uint32(size-lenSize))
	dst = append(dst, `{"v":1,"type":`...)
	dst = strconv.AppendUint(dst, uint64(m.Type), 10)
	if m.Seq != 0 {
		dst = append(dst, `,"seq":`...)
		dst = strconv.AppendUint(dst, uint64(m.Seq), 10)
	}
	if m.Method != "" {
		dst = append(dst, `,"method":`...)
		dst = appendQuoted(dst, m.Method)
	}
	if m.Timeout != 0 {
		dst = append(dst, `,"timeout_us":`...)
		dst = strconv.AppendUint(dst, us, 10)
	}
	if m.Code != 0 {
		dst = append(dst, `,"code":`...)
		dst = strconv.AppendInt(dst, int64(m.Code), 10)
		if m.Error != "" {
			dst = append(dst, `,"error":`...)
			dst = appendQuoted(dst, m.Error)
		}
	}
	if m.Meta.Len() > 0 {
		dst = append(dst, `,"meta":[`...)
		first := true
		m.Meta.Range(func(k, v string) bool {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, '[')
			dst = appendQuoted(dst, k)
			dst = append(dst, ',')
			dst = appendQuoted(dst, v)
			dst = append(dst, ']')
			return true
		})
		dst = append(dst, ']')
	}
	if m.Codec != 0 {
		dst = append(dst, `,"codec":`...)
		dst = strconv.AppendUint(dst, uint64(m.Codec), 10)
	}
	if len(m.Filters) > 0 {
		dst = append(dst, `,"filters":[`...)
		for i, id := range m.Filters {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(id), 10)
		}
		dst = append(dst, ']')
	}
	if len(m.Body) > 0 {
		if embed {
			dst = append(dst, `,"body":`...)
			dst = append(dst, m.Body...)
		} else {
			dst = append(dst, `,"body64":"`...)
			dst = base64Strict.AppendEncode(dst, m.Body)
			dst = append(dst, '"')
		}
	}
	return append(dst, '}'), nil
}

// embeddable reports whether body can be the value of "body" as it is: one
// JSON value, valid UTF-8, with no white space around it (which a reader
// would not give back) and nested no deeper than maxBodyDepth.
func embeddable(body []byte) bool {
	if isSpace(body[0]) || isSpace(body[len(body)-1]) {
		return false
	}
	return depth(body) <= maxBodyDepth && utf8.Valid(body) && stdjson.Valid(body)
}

// depth returns how deeply the arrays and objects of b nest, skipping
// strings; it assumes nothing about b, which embeddable checks after.
func depth(b []byte) int {
	d, deepest := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			d++
			deepest = max(deepest, d)
		case ']', '}':
			d--
		}
	}
	return deepest
}

// uintLen returns the number of decimal digits of x.
func uintLen(x uint64) int {
	n := 1
	for x >= 10 {
		x /= 10
		n++
	}
	return n
}

// intLen returns the size of x in decimal, its sign included.
func intLen(x int32) int {
	if x < 0 {
		return 1 + uintLen(uint64(-int64(x)))
	}
	return uintLen(uint64(x))
}

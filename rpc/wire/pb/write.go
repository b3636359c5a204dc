package pb

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// AppendMessage appends m's frame to dst and returns the extended slice.
//
// It computes the frame's exact size first: a frame over the size limit
// gives an error wrapping wire.ErrTooLarge, and a message the format cannot
// carry (an invalid type, more than 255 filters, a zero filter id) one
// wrapping wire.ErrMalformed; either way dst is returned unchanged.
// Otherwise dst grows at most once. The fields go in field-number order,
// the version first; fields with a zero value are left out. m.ReplyCodec
// is not carried.
func (f *framer) AppendMessage(dst []byte, m *wire.Message) ([]byte, error) {
	if !m.Type.Valid() {
		return dst, fmt.Errorf("pb: invalid message type %d: %w", uint8(m.Type), wire.ErrMalformed)
	}
	if len(m.Filters) > maxFilters {
		return dst, fmt.Errorf("pb: %d filters, at most %d: %w", len(m.Filters), maxFilters, wire.ErrMalformed)
	}
	for i, id := range m.Filters {
		if id == 0 {
			return dst, fmt.Errorf("pb: filter %d has id 0: %w", i, wire.ErrMalformed)
		}
	}

	// Every field number is below 16, so every tag is one byte; so are
	// the version and the type.
	size := lenSize + 4
	if m.Seq != 0 {
		size += 1 + protowire.SizeVarint(uint64(m.Seq))
	}
	if m.Method != "" {
		size += 1 + protowire.SizeBytes(len(m.Method))
	}
	var us uint64
	if m.Timeout != 0 {
		us = wire.TimeoutToMicros(m.Timeout)
		size += 1 + protowire.SizeVarint(us)
	}
	code := protowire.EncodeZigZag(int64(m.Code))
	if m.Code != 0 {
		size += 1 + protowire.SizeVarint(code)
		if m.Error != "" {
			size += 1 + protowire.SizeBytes(len(m.Error))
		}
	}
	m.Meta.Range(func(k, v string) bool {
		size += 1 + protowire.SizeBytes(pairSize(k, v))
		return true
	})
	if m.Codec != 0 {
		size += 1 + protowire.SizeVarint(uint64(m.Codec))
	}
	if len(m.Filters) > 0 {
		size += 1 + protowire.SizeBytes(len(m.Filters))
	}
	if len(m.Body) > 0 {
		size += 1 + protowire.SizeBytes(len(m.Body))
	}
	if size > f.limit || uint64(size-lenSize) > math.MaxUint32 {
		return dst, fmt.Errorf("pb: %v frame is %d bytes, limit %d: %w", m.Type, size, f.limit, wire.ErrTooLarge)
	}

	dst = slices.Grow(dst, size)
	dst = binary.BigEndian.AppendUint32(dst, uint32(size-lenSize))
	dst = append(dst, tagByte(fieldVersion, protowire.VarintType), Version, tagByte(fieldType, protowire.VarintType), byte(m.Type))
	if m.Seq != 0 {
		dst = append(dst, tagByte(fieldSeq, protowire.VarintType))
		dst = binary.AppendUvarint(dst, uint64(m.Seq))
	}
	if m.Method != "" {
		dst = appendString(dst, fieldMethod, m.Method)
	}
	if m.Timeout != 0 {
		dst = append(dst, tagByte(fieldTimeout, protowire.VarintType))
		dst = binary.AppendUvarint(dst, us)
	}
	if m.Code != 0 {
		dst = append(dst, tagByte(fieldCode, protowire.VarintType))
		dst = binary.AppendUvarint(dst, code)
		if m.Error != "" {
			dst = appendString(dst, fieldError, m.Error)
		}
	}
	m.Meta.Range(func(k, v string) bool {
		dst = append(dst, tagByte(fieldMeta, protowire.BytesType))
		dst = binary.AppendUvarint(dst, uint64(pairSize(k, v)))
		if k != "" {
			dst = appendString(dst, fieldKey, k)
		}
		if v != "" {
			dst = appendString(dst, fieldValue, v)
		}
		return true
	})
	if m.Codec != 0 {
		dst = append(dst, tagByte(fieldCodec, protowire.VarintType))
		dst = binary.AppendUvarint(dst, uint64(m.Codec))
	}
	if len(m.Filters) > 0 {
		dst = appendString(dst, fieldFilters, m.Filters)
	}
	if len(m.Body) > 0 {
		dst = appendString(dst, fieldBody, m.Body)
	}
	return dst, nil
}

// tagByte returns the tag of field num with wire type wt: one byte, since every
// field number of the format is below 16.
func tagByte(num protowire.Number, wt protowire.Type) byte {
	return byte(num)<<3 | byte(wt)
}

// appendString appends field num, length-delimited, holding b.
func appendString[S string | []byte](dst []byte, num protowire.Number, b S) []byte {
	dst = append(dst, tagByte(num, protowire.BytesType))
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// pairSize returns the size of the Pair message of key k and value v,
// whose empty fields are left out.
func pairSize(k, v string) int {
	n := 0
	if k != "" {
		n += 1 + protowire.SizeBytes(len(k))
	}
	if v != "" {
		n += 1 + protowire.SizeBytes(len(v))
	}
	return n
}

package protofast

import (
	"cmp"
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"slices"
	"unicode/utf8"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// RecursionLimit is how deeply messages may nest in decoded input, the
// default of proto.UnmarshalOptions.
const RecursionLimit = protowire.DefaultRecursionLimit

// Sentinel errors of the generated code.
var (
	// ErrMalformed reports input that is not protobuf wire format:
	// truncated data, an over-long varint, a length past the end, field
	// number 0 or above the maximum, an end-group without its start, a
	// reserved wire type.
	ErrMalformed = errors.New("protofast: malformed protobuf input")
	// ErrInvalidUTF8 reports a proto3 string field that is not valid
	// UTF-8, in decoded input or in a message to encode.
	ErrInvalidUTF8 = errors.New("protofast: string field contains invalid UTF-8")
	// ErrDepth reports messages nested deeper than RecursionLimit.
	ErrDepth = errors.New("protofast: exceeded maximum recursion depth")
	// ErrTooLarge reports a message whose encoding would exceed 2 GiB.
	ErrTooLarge = errors.New("protofast: message too large")
	// ErrRequired reports a proto2 required field not set, in a message
	// to encode or a decoded one.
	ErrRequired = errors.New("protofast: required field not set")
	// ErrNil reports decoding into a nil message.
	ErrNil = errors.New("protofast: decoding into a nil message")
	// ErrOneofConflict reports JSON that sets more than one member of a
	// oneof.
	ErrOneofConflict = errors.New("protofast: more than one member of a oneof is set")
)

// MaxSize is the largest encoding a message may have, as for proto.Marshal.
const MaxSize = math.MaxInt32

// ConsumeTag decodes the tag at the start of b. It returns n < 0 when b
// does not start with a valid tag: a truncated or over-long varint, or a
// field number out of range.
func ConsumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) > 0 && b[0] >= 8 && b[0] < 0x80 {
		return protowire.Number(b[0] >> 3), protowire.Type(b[0] & 7), 1
	}
	return consumeTag(b)
}

// consumeTag is ConsumeTag for tags longer than a byte, and errors.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) >= 2 && b[0] >= 0x80 && b[1] < 0x80 {
		v := uint64(b[0]&0x7f) | uint64(b[1])<<7 // fields 16 to 2047
		if v < 8 {
			return 0, 0, -1
		}
		return protowire.Number(v >> 3), protowire.Type(v & 7), 2
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 || v>>3 < uint64(protowire.MinValidNumber) || v>>3 > uint64(protowire.MaxValidNumber) {
		return 0, 0, -1
	}
	return protowire.Number(v >> 3), protowire.Type(v & 7), n
}

// ConsumeVarint decodes a varint at the start of b, returning n < 0 when it
// is truncated or over-long.
func ConsumeVarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return protowire.ConsumeVarint(b)
}

// ConsumeBytes decodes a length-prefixed value at the start of b. It
// returns the value with its capacity capped at its length, and n < 0 when
// the length is malformed or past the end of b.
func ConsumeBytes(b []byte) ([]byte, int) {
	l, n := ConsumeVarint(b)
	if n < 0 || l > uint64(len(b)-n) {
		return nil, -1
	}
	end := n + int(l)
	return b[n:end:end], end
}

// String returns a string that aliases b, which the caller must never
// modify afterwards.
func String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// ValidString reports whether s is valid UTF-8.
func ValidString(s string) bool {
	return ascii(unsafe.Slice(unsafe.StringData(s), len(s))) || utf8.ValidString(s)
}

// Valid reports whether b is valid UTF-8.
func Valid(b []byte) bool { return ascii(b) || utf8.Valid(b) }

// ascii reports whether b is all ASCII, eight bytes at a time and with one
// test at the end: most strings are, and are short, where utf8.Valid's
// loop costs more than the bytes.
func ascii(b []byte) bool {
	var acc uint64
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return acc&0x8080808080808080 == 0
}

// AppendVarint appends v as a varint. A value under 128 takes one byte,
// appended here without a call.
func AppendVarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return protowire.AppendVarint(b, v)
}

// AppendString appends s after its length.
func AppendString(b []byte, s string) []byte {
	return append(AppendVarint(b, uint64(len(s))), s...)
}

// AppendBytes appends v after its length.
func AppendBytes(b []byte, v []byte) []byte {
	return append(AppendVarint(b, uint64(len(v))), v...)
}

// CountVarints returns how many varints b holds, for sizing a slice
// before decoding a packed field.
func CountVarints(b []byte) int {
	n := 0
	for _, c := range b {
		if c < 0x80 {
			n++
		}
	}
	return n
}

// CountField returns how many fields numbered num with wire type wt b
// holds at its top level, up to the first malformed field (which counts if
// its tag does). The decoder sizes the slice of a repeated field with it.
func CountField(b []byte, num protowire.Number, wt protowire.Type) int {
	count := 0
	for len(b) > 0 {
		n2, wt2, n := ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		if n2 == num && wt2 == wt {
			count++
		}
		n = protowire.ConsumeFieldValue(n2, wt2, b)
		if n < 0 {
			break
		}
		b = b[n:]
	}
	return count
}

// SkipField returns the length of the value of a field of wire type wt at
// the start of b, or n < 0 when it is malformed (an end-group without its
// start included).
func SkipField(num protowire.Number, wt protowire.Type, b []byte) int {
	return protowire.ConsumeFieldValue(num, wt, b)
}

// AppendUnknown appends the field raw, whose tag (num, wt) takes tagLen
// bytes, to the unknown fields u, rewriting the tag in its shortest form as
// proto.Unmarshal does. The first field is not copied: u aliases raw, with
// its capacity capped.
func AppendUnknown(u, raw []byte, tagLen int, num protowire.Number, wt protowire.Type) []byte {
	if len(u) == 0 && tagLen == protowire.SizeTag(num) {
		return raw[:len(raw):len(raw)]
	}
	u = protowire.AppendTag(u, num, wt)
	return append(u, raw[tagLen:]...)
}

// SortedKeys returns the keys of m in increasing order, the order
// deterministic marshalling writes map entries in.
func SortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

// Size returns the encoded size of a message of a type without generated
// methods, caching it as proto.Size does.
func Size(m proto.Message) int {
	return proto.Size(m)
}

// AppendMessage appends the length-prefixed encoding of m, a message of
// a type without generated methods, whose size Size has just cached.
func AppendMessage(b []byte, m proto.Message) ([]byte, error) {
	o := proto.MarshalOptions{Deterministic: true, UseCachedSize: true}
	b = protowire.AppendVarint(b, uint64(o.Size(m)))
	return o.MarshalAppend(b, m)
}

// Unmarshal merges b into m, a message of a type without generated
// methods, with depth levels of nesting left.
func Unmarshal(b []byte, m proto.Message, depth int) error {
	if depth <= 0 {
		return ErrDepth
	}
	return proto.UnmarshalOptions{Merge: true, RecursionLimit: depth}.Unmarshal(b, m)
}

// FieldError is an error about one field of a message: a string that is
// not valid UTF-8, a required field not set.
type FieldError struct {
	Field string // full name of the field, such as "pkg.Msg.name"
	Err   error  // a sentinel of this package
}

func (e *FieldError) Error() string { return e.Err.Error() + ": " + e.Field }

func (e *FieldError) Unwrap() error { return e.Err }

// InvalidUTF8 returns the error for the string field named field (its full
// name) holding invalid UTF-8.
func InvalidUTF8(field string) error { return &FieldError{Field: field, Err: ErrInvalidUTF8} }

// CachedSize returns the size Size last cached in m, a message of a type
// without generated methods.
func CachedSize(m proto.Message) int {
	return proto.MarshalOptions{UseCachedSize: true}.Size(m)
}

// OneofConflict returns the error of JSON setting more than one member of
// the oneof named oneof: it wraps ErrOneofConflict.
func OneofConflict(oneof string) error { return &FieldError{Field: oneof, Err: ErrOneofConflict} }

// RequiredNotSet returns the error for the required field named field
// (its full name) not set in a message to encode or a decoded one.
func RequiredNotSet(field string) error { return &FieldError{Field: field, Err: ErrRequired} }

// CheckInitialized reports a required field not set in m, a message of a
// type without generated methods, or in the messages it holds.
func CheckInitialized(m proto.Message) error { return proto.CheckInitialized(m) }

// UnmarshalPartial is Unmarshal for a message type that can lack
// required fields: it leaves them to the caller, reporting whether m has
// them all.
func UnmarshalPartial(b []byte, m proto.Message, depth int) (bool, error) {
	if depth <= 0 {
		return false, ErrDepth
	}
	if err := (proto.UnmarshalOptions{Merge: true, AllowPartial: true, RecursionLimit: depth}).Unmarshal(b, m); err != nil {
		return false, err
	}
	return proto.CheckInitialized(m) == nil, nil
}

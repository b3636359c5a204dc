package codec

import (
	"errors"

	"github.com/dmicro-go/dmicro/codec/protofast"
	"google.golang.org/protobuf/proto"
)

// Protobuf is the codec for protocol buffer bodies: id 'p', name "protobuf".
//
// Values must implement [proto.Message]; anything else gives an error
// wrapping [ErrUnsupportedType]. Messages with the methods protoc-gen-dmicro
// generates (DmicroMarshalAppend, DmicroUnmarshal) are encoded and decoded
// with them, without reflection; others with [proto.MarshalOptions] and
// [proto.Unmarshal]. Both ways accept and produce the same bytes (generated
// marshalling is deterministic: map entries sorted by key). Marshal appends
// to dst without allocating when dst has room. Protobuf has no state and is
// safe for concurrent use.
type Protobuf struct{}

var _ Codec = Protobuf{}

// fastMessage is a message with protoc-gen-dmicro's generated methods.
type fastMessage interface {
	DmicroMarshalAppend(b []byte) ([]byte, error)
	DmicroUnmarshal(b []byte) error
}

// ID returns 'p'.
func (Protobuf) ID() byte { return 'p' }

// Name returns "protobuf".
func (Protobuf) Name() string { return "protobuf" }

// Marshal appends the wire encoding of v, a [proto.Message], to dst. A nil
// message pointer encodes as nothing. A message that cannot be encoded,
// such as one with invalid UTF-8 in a string field, gives an error wrapping
// [ErrUnsupportedType].
func (c Protobuf) Marshal(dst []byte, v any) ([]byte, error) {
	var out []byte
	var err error
	switch m := v.(type) {
	case fastMessage:
		out, err = m.DmicroMarshalAppend(dst)
	case proto.Message:
		out, err = proto.MarshalOptions{}.MarshalAppend(dst, m)
	default:
		return dst, unsupported(c, v)
	}
	if err != nil {
		return dst, encodeError(c, v, err)
	}
	return out, nil
}

// Unmarshal resets v, a non-nil [proto.Message] pointer, and decodes data
// into it. Malformed input gives an error wrapping [ErrDecode]. Nothing in
// v refers to data afterwards: proto.Unmarshal copies bytes fields, and the
// generated DmicroUnmarshal copies data once and lets v's strings and bytes
// refer to that copy.
func (c Protobuf) Unmarshal(data []byte, v any) error {
	if m, ok := v.(fastMessage); ok {
		err := m.DmicroUnmarshal(data)
		switch {
		case errors.Is(err, protofast.ErrNil):
			return unsupported(c, v)
		case err != nil:
			return decodeError(c, err)
		}
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok || !m.ProtoReflect().IsValid() {
		return unsupported(c, v)
	}
	if err := proto.Unmarshal(data, m); err != nil {
		return decodeError(c, err)
	}
	return nil
}

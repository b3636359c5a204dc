package codec

import "google.golang.org/protobuf/proto"

// Protobuf is the codec for protocol buffer bodies: id 'p', name "protobuf".
//
// Values must implement [proto.Message]; anything else gives an error
// wrapping [ErrUnsupportedType]. Marshal uses the default
// [proto.MarshalOptions] and appends to dst without allocating when dst has
// room. Protobuf has no state and is safe for concurrent use.
type Protobuf struct{}

var _ Codec = Protobuf{}

// ID returns 'p'.
func (Protobuf) ID() byte { return 'p' }

// Name returns "protobuf".
func (Protobuf) Name() string { return "protobuf" }

// Marshal appends the wire encoding of v, a [proto.Message], to dst. A nil
// message pointer encodes as nothing. A message that cannot be encoded,
// such as one with invalid UTF-8 in a string field, gives an error wrapping
// [ErrUnsupportedType].
func (c Protobuf) Marshal(dst []byte, v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return dst, unsupported(c, v)
	}
	out, err := proto.MarshalOptions{}.MarshalAppend(dst, m)
	if err != nil {
		return dst, encodeError(c, v, err)
	}
	return out, nil
}

// Unmarshal resets v, a non-nil [proto.Message] pointer, and decodes data
// into it. Malformed input gives an error wrapping [ErrDecode]. Bytes
// fields are copied, so nothing in v refers to data afterwards.
func (c Protobuf) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok || !m.ProtoReflect().IsValid() {
		return unsupported(c, v)
	}
	if err := proto.Unmarshal(data, m); err != nil {
		return decodeError(c, err)
	}
	return nil
}

package codec

import (
	"errors"
	"fmt"
)

// Codec turns Go values into message bodies and back.
//
// A Codec must be safe for concurrent use. Unmarshal must never panic on
// untrusted input: it returns an error wrapping [ErrDecode] instead.
type Codec interface {
	// ID is the byte that names this codec inside a frame. It is never 0,
	// which frames use for "no body".
	ID() byte
	// Name is the codec's lowercase name ("json", "protobuf", ...).
	Name() string
	// Marshal appends the encoding of v to dst and returns the extended slice.
	Marshal(dst []byte, v any) ([]byte, error)
	// Unmarshal decodes data into v, which is usually a pointer.
	Unmarshal(data []byte, v any) error
}

// Sentinel errors wrapped by every codec in this package.
var (
	// ErrUnsupportedType reports a value of a type the codec cannot handle,
	// such as a non-protobuf value given to the protobuf codec.
	ErrUnsupportedType = errors.New("codec: unsupported type")
	// ErrDecode reports bytes that do not decode into the target value.
	ErrDecode = errors.New("codec: cannot decode")
)

func unsupported(c Codec, v any) error {
	return fmt.Errorf("%w: %s cannot handle %T", ErrUnsupportedType, c.Name(), v)
}

func decodeError(c Codec, err error) error {
	return fmt.Errorf("%w as %s: %w", ErrDecode, c.Name(), err)
}

// encodeError reports a value of a supported type that still cannot be
// encoded, such as a NaN given to the json codec. It wraps
// [ErrUnsupportedType] so that callers need only the two sentinels.
func encodeError(c Codec, v any, err error) error {
	return fmt.Errorf("%w: %s cannot encode %T: %w", ErrUnsupportedType, c.Name(), v, err)
}

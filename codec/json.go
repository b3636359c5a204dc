package codec

import (
	"encoding/json"
	"errors"
)

// JSON is the codec for encoding/json bodies: id 'j', name "json".
//
// Marshal encodes nil as "null" and appends a [json.RawMessage] (or a
// pointer to one) as it is, without checking it. Unmarshal follows
// [json.Unmarshal]: v must be a non-nil pointer. JSON has no state and is
// safe for concurrent use.
type JSON struct{}

var _ Codec = JSON{}

// ID returns 'j'.
func (JSON) ID() byte { return 'j' }

// Name returns "json".
func (JSON) Name() string { return "json" }

// Marshal appends the JSON encoding of v to dst. A value encoding/json
// refuses, such as a channel or a NaN, gives an error wrapping
// [ErrUnsupportedType].
func (c JSON) Marshal(dst []byte, v any) ([]byte, error) {
	switch m := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case json.RawMessage:
		return appendRaw(dst, m), nil
	case *json.RawMessage:
		if m == nil {
			return append(dst, "null"...), nil
		}
		return appendRaw(dst, *m), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, encodeError(c, v, err)
	}
	return append(dst, b...), nil
}

// appendRaw appends m, or "null" when m is empty, as encoding/json does.
func appendRaw(dst []byte, m json.RawMessage) []byte {
	if len(m) == 0 {
		return append(dst, "null"...)
	}
	return append(dst, m...)
}

// Unmarshal decodes the JSON in data into v, which must be a non-nil
// pointer; anything else gives an error wrapping [ErrUnsupportedType].
// Malformed or mistyped JSON gives an error wrapping [ErrDecode]. Nothing
// in v refers to data afterwards.
func (c JSON) Unmarshal(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var inv *json.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return unsupported(c, v)
	}
	return decodeError(c, err)
}

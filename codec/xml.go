package codec

import (
	"encoding/xml"
	"errors"
	"reflect"
)

// XML is the codec for encoding/xml bodies: id 'x', name "xml".
//
// Marshal writes no XML header and encodes nil as nothing. Unmarshal follows
// [xml.Unmarshal]. XML has no state and is safe for concurrent use.
type XML struct{}

var _ Codec = XML{}

// ID returns 'x'.
func (XML) ID() byte { return 'x' }

// Name returns "xml".
func (XML) Name() string { return "xml" }

// Marshal appends the XML encoding of v to dst. A value encoding/xml
// refuses, such as a map, gives an error wrapping [ErrUnsupportedType].
func (c XML) Marshal(dst []byte, v any) ([]byte, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		var ut *xml.UnsupportedTypeError
		if errors.As(err, &ut) {
			return dst, unsupported(c, v)
		}
		return dst, encodeError(c, v, err)
	}
	return append(dst, b...), nil
}

// Unmarshal decodes the XML document in data into v, which must be a
// non-nil pointer; anything else gives an error wrapping
// [ErrUnsupportedType]. Malformed XML, or XML that does not fit v, gives an
// error wrapping [ErrDecode]. Nothing in v refers to data afterwards.
func (c XML) Unmarshal(data []byte, v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return unsupported(c, v)
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return decodeError(c, err)
	}
	return nil
}

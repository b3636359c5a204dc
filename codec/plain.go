package codec

import (
	"bytes"
	"encoding"
	"reflect"
)

// Plain is the codec for bodies that are text or bytes as they are: id 's',
// name "plain".
//
// It handles strings, byte slices, booleans, integers and floats (and
// pointers to them, and named types of those kinds) in their strconv form,
// and any type implementing [encoding.TextMarshaler] or
// [encoding.TextUnmarshaler]. Plain has no state and is safe for concurrent
// use.
type Plain struct{}

var _ Codec = Plain{}

// ID returns 's'.
func (Plain) ID() byte { return 's' }

// Name returns "plain".
func (Plain) Name() string { return "plain" }

// Marshal appends v to dst: strings and byte slices as they are, booleans
// and numbers formatted by strconv (floats in the shortest form that parses
// back to the same value), and text marshalers through MarshalText. Nil and
// nil pointers to those types append nothing. Other types give an error
// wrapping [ErrUnsupportedType].
func (c Plain) Marshal(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return dst, nil
	case string:
		return append(dst, x...), nil
	case []byte:
		return append(dst, x...), nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		if textKind(rv.Type().Elem()) || rv.Type().Implements(textMarshalerType) {
			return dst, nil
		}
		return dst, unsupported(c, v)
	}
	if m, ok := v.(encoding.TextMarshaler); ok {
		b, err := m.MarshalText()
		if err != nil {
			return dst, encodeError(c, v, err)
		}
		return append(dst, b...), nil
	}
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if out, ok := appendText(dst, rv); ok {
		return out, nil
	}
	return dst, unsupported(c, v)
}

// Unmarshal stores data into v, which must be a non-nil pointer to a string,
// a byte slice, a boolean, an integer or a float (named types included), or
// implement [encoding.TextUnmarshaler]. Byte slices receive a copy of data,
// so nothing in v refers to data afterwards. Text that does not parse gives
// an error wrapping [ErrDecode]; other targets give an error wrapping
// [ErrUnsupportedType].
func (c Plain) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return unsupported(c, v)
	}
	switch p := v.(type) {
	case *string:
		*p = string(data)
		return nil
	case *[]byte:
		*p = bytes.Clone(data)
		return nil
	case encoding.TextUnmarshaler:
		if err := p.UnmarshalText(data); err != nil {
			return decodeError(c, err)
		}
		return nil
	}
	if err := setText(rv.Elem(), string(data)); err != nil {
		if err == errKind {
			return unsupported(c, v)
		}
		return decodeError(c, err)
	}
	return nil
}

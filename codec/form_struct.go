package codec

import (
	"encoding"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

var (
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// formField is a struct field that takes part in form bodies.
type formField struct {
	name      string // the key
	index     []int  // for reflect.Value.FieldByIndex; crosses no pointers
	omitEmpty bool   // leave the key out when the field is zero
}

// formFields lists the fields of the struct type t that take part in form
// bodies, in declaration order, with those of embedded structs in place. It
// fails, wrapping ErrUnsupportedType, when such a field has a type that the
// form codec cannot marshal (or, when decode is set, unmarshal).
func formFields(t reflect.Type, decode bool) ([]formField, error) {
	return appendFormFields(nil, t, nil, decode)
}

// appendFormFields appends to fields those of the struct type t, whose
// index paths start with index.
func appendFormFields(fields []formField, t reflect.Type, index []int, decode bool) ([]formField, error) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("form")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		idx := append(index[:len(index):len(index)], i)
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct && !isText(sf.Type, decode) {
			var err error
			if fields, err = appendFormFields(fields, sf.Type, idx, decode); err != nil {
				return nil, err
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if !formFieldType(sf.Type, decode) {
			return nil, fmt.Errorf("%w: form cannot handle field %s of %s, of type %s",
				ErrUnsupportedType, sf.Name, t, sf.Type)
		}
		if name == "" {
			name = sf.Name
		}
		fields = append(fields, formField{name: name, index: idx, omitEmpty: hasOption(opts, "omitempty")})
	}
	return fields, nil
}

// hasOption reports whether the comma-separated tag options opts hold opt.
func hasOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}

// formFieldType reports whether a field of type t can be marshaled (or,
// when decode is set, unmarshaled): a text type, a pointer to one, a slice
// of those.
func formFieldType(t reflect.Type, decode bool) bool {
	if formScalar(t, decode) {
		return true
	}
	if t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return formScalar(t, decode)
}

// formScalar reports whether a value of type t is one form value.
func formScalar(t reflect.Type, decode bool) bool {
	return isText(t, decode) || textKind(t)
}

// isText reports whether the addressable values of type t implement
// encoding.TextMarshaler (or, when decode is set, TextUnmarshaler).
func isText(t reflect.Type, decode bool) bool {
	if decode {
		return reflect.PointerTo(t).Implements(textUnmarshalerType)
	}
	return reflect.PointerTo(t).Implements(textMarshalerType)
}

// structValues returns the form values of the fields of the struct s.
func structValues(s reflect.Value) (url.Values, error) {
	fields, err := formFields(s.Type(), false)
	if err != nil {
		return nil, err
	}
	if !s.CanAddr() { // so that pointer-receiver MarshalText methods apply
		a := reflect.New(s.Type()).Elem()
		a.Set(s)
		s = a
	}
	vals := make(url.Values, len(fields))
	for _, f := range fields {
		fv := s.FieldByIndex(f.index)
		if f.omitEmpty && fv.IsZero() {
			continue
		}
		out, err := appendFormValues(vals[f.name], fv)
		if err != nil {
			return nil, encodeError(Form{}, s.Interface(), fmt.Errorf("field %s: %w", f.name, err))
		}
		if len(out) > 0 {
			vals[f.name] = out
		}
	}
	return vals, nil
}

// appendFormValues appends the form values of the addressable v, whose type
// formFieldType accepts, to dst: none for a nil pointer or slice, one per
// element for a slice other than a byte slice, else one.
func appendFormValues(dst []string, v reflect.Value) ([]string, error) {
	t := v.Type()
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return dst, nil
		}
		return appendFormValues(dst, v.Elem())
	case reflect.Slice:
		if v.IsNil() { // an empty but non-nil byte slice is one empty value
			return dst, nil
		}
	}
	if m, ok := v.Addr().Interface().(encoding.TextMarshaler); ok {
		b, err := m.MarshalText()
		if err != nil {
			return dst, err
		}
		return append(dst, string(b)), nil
	}
	switch {
	case t.Kind() == reflect.String:
		return append(dst, v.String()), nil
	case t.Kind() == reflect.Slice && t.Elem() != byteType:
		for i := range v.Len() {
			var err error
			if dst, err = appendFormValues(dst, v.Index(i)); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	var buf [32]byte
	b, _ := appendText(buf[:0], v)
	return append(dst, string(b)), nil
}

// setStruct sets the fields of the addressable struct s that have a key in
// vals, and leaves the others alone.
func setStruct(s reflect.Value, fields []formField, vals url.Values) error {
	for _, f := range fields {
		src, ok := vals[f.name]
		if !ok || len(src) == 0 {
			continue
		}
		if err := setFormValue(s.FieldByIndex(f.index), src); err != nil {
			return decodeError(Form{}, fmt.Errorf("field %s: %w", f.name, err))
		}
	}
	return nil
}

// setFormValue sets the settable v, whose type formFieldType accepts for
// decoding, from the non-empty src: a slice gets one element per value, any
// other type the first value. A pointer gets a new value; v is left alone
// on error.
func setFormValue(v reflect.Value, src []string) error {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := setFormValue(p.Elem(), src); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if t.Kind() == reflect.Slice && t.Elem() != byteType && !isText(t, true) {
		s := reflect.MakeSlice(t, len(src), len(src))
		for i := range src {
			if err := setFormValue(s.Index(i), src[i:i+1]); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	}
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(src[0]))
	}
	return setText(v, src[0])
}

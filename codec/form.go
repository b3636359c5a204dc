package codec

import (
	"net/url"
	"reflect"
)

// Form is the codec for application/x-www-form-urlencoded bodies: id 'f',
// name "form".
//
// It handles [url.Values], map[string]string, map[string][]string (and named
// map types of those shapes) and structs. A struct field takes part when it
// is exported; its key is the name in its `form:"name"` tag, or else the Go
// field name unchanged, and the tag `form:"-"` leaves it out. The tag
// option omitempty, as in `form:"name,omitempty"`, leaves out zero values
// when marshaling. Field types may be strings, booleans, integers, floats,
// byte slices, types implementing [encoding.TextMarshaler] and
// [encoding.TextUnmarshaler], pointers to those, and slices of those, which
// are repeated keys in slice order. Fields of embedded structs are promoted
// as if they were fields of the outer struct; an embedded pointer to a
// struct is not promoted, and is an ordinary field.
//
// Form has no state and is safe for concurrent use.
type Form struct{}

var _ Codec = Form{}

// ID returns 'f'.
func (Form) ID() byte { return 'f' }

// Name returns "form".
func (Form) Name() string { return "form" }

// Marshal appends the form encoding of v to dst, with keys sorted so that
// the output is deterministic. Nil and nil pointers append nothing. Fields
// that are nil pointers, nil slices or empty slices are left out, except
// that an empty but non-nil byte slice is one empty value. Other types, and
// structs with a field of another type, give an error wrapping
// [ErrUnsupportedType].
func (c Form) Marshal(dst []byte, v any) ([]byte, error) {
	var vals url.Values
	switch x := v.(type) {
	case nil:
		return dst, nil
	case url.Values:
		vals = x
	case map[string][]string:
		vals = x
	case map[string]string:
		vals = make(url.Values, len(x))
		for k, s := range x {
			vals[k] = []string{s}
		}
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer && formTarget(rv.Type().Elem()) {
			if rv.IsNil() {
				return dst, nil
			}
			rv = rv.Elem()
		}
		var err error
		switch {
		case rv.Kind() == reflect.Struct:
			vals, err = structValues(rv)
		case formMap(rv.Type()):
			vals = mapValues(rv)
		default:
			return dst, unsupported(c, v)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, vals.Encode()...), nil
}

// Unmarshal decodes the form in data into v, which must be a non-nil
// pointer to a map or struct of a kind Marshal handles; anything else gives
// an error wrapping [ErrUnsupportedType]. A map is replaced by the decoded
// keys; a map[string]string gets the first value of each key. A struct gets
// the keys matching its fields and keeps its other fields; unknown keys are
// ignored. Malformed input and values that do not parse give an error
// wrapping [ErrDecode]. Nothing in v refers to data afterwards.
func (c Form) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || !formTarget(rv.Type().Elem()) {
		return unsupported(c, v)
	}
	rv = rv.Elem()
	var fields []formField
	if rv.Kind() == reflect.Struct {
		var err error
		if fields, err = formFields(rv.Type(), true); err != nil {
			return err
		}
	}
	vals, err := url.ParseQuery(string(data))
	if err != nil {
		return decodeError(c, err)
	}
	switch p := v.(type) {
	case *url.Values:
		*p = vals
	case *map[string][]string:
		*p = vals
	case *map[string]string:
		m := make(map[string]string, len(vals))
		for k, s := range vals {
			m[k] = first(s)
		}
		*p = m
	default:
		if rv.Kind() != reflect.Struct {
			setMap(rv, vals)
			return nil
		}
		if err := setStruct(rv, fields, vals); err != nil {
			return err
		}
	}
	return nil
}

// formTarget reports whether Form handles values of type t.
func formTarget(t reflect.Type) bool {
	return t.Kind() == reflect.Struct || formMap(t)
}

// formMap reports whether t is a map from a string kind to a string kind or
// to a slice of a string kind.
func formMap(t reflect.Type) bool {
	if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
		return false
	}
	e := t.Elem()
	if e.Kind() == reflect.Slice {
		e = e.Elem()
	}
	return e.Kind() == reflect.String
}

// mapValues copies m, a map for which formMap holds, into url.Values.
func mapValues(m reflect.Value) url.Values {
	vals := make(url.Values, m.Len())
	for it := m.MapRange(); it.Next(); {
		e := it.Value()
		if e.Kind() == reflect.String {
			vals[it.Key().String()] = []string{e.String()}
			continue
		}
		s := make([]string, e.Len())
		for i := range s {
			s[i] = e.Index(i).String()
		}
		vals[it.Key().String()] = s
	}
	return vals
}

// setMap replaces the map in the settable m, of a type for which formMap
// holds, by a map holding vals.
func setMap(m reflect.Value, vals url.Values) {
	t := m.Type()
	out := reflect.MakeMapWithSize(t, len(vals))
	k := reflect.New(t.Key()).Elem()
	for name, s := range vals {
		k.SetString(name)
		e := reflect.New(t.Elem()).Elem()
		if e.Kind() == reflect.String {
			e.SetString(first(s))
		} else {
			e.Set(reflect.MakeSlice(e.Type(), len(s), len(s)))
			for i, x := range s {
				e.Index(i).SetString(x)
			}
		}
		out.SetMapIndex(k, e)
	}
	m.Set(out)
}

// first returns the first of s, or "" when s is empty.
func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

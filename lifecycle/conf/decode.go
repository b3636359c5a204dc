package conf

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Decode fills the exported fields of the struct v points to from the
// section's keys, and reports, joined, every key that no field takes
// ([ErrUnknownKey], with the nearest field's key suggested) and every
// value that its field cannot hold ([ErrBadValue]), each located at its
// line or environment variable.
//
// A key fills the field of the same name, compared as keys are (case and
// underscores aside: MaxConns takes max_conns); a `conf:"name"` tag
// names the key instead, `conf:"-"` leaves the field out, and the option
// `conf:",size"` (or `conf:"name,size"`) reads an integer field as a
// size ("50MiB"). The fields of embedded structs are taken as the
// struct's own. Field types: string, bool, the int and uint types, float32
// and float64, time.Duration, []string (a comma-separated list), and any
// type whose pointer implements encoding.TextUnmarshaler.
//
// A field whose key is absent keeps its value, and so does a field other
// than a string, a []string or a TextUnmarshaler whose key has an empty
// value: fill v with defaults first. Decode returns a plain error, not an
// [*Error], when v is not a non-nil pointer to a struct or has a field of
// another type.
func (s *Section) Decode(v any) error {
	return errors.Join(s.decode(v)...)
}

// field is a struct field that a key fills.
type field struct {
	name  string // the key it takes, as the tag or the field names it
	index []int
	size  bool
}

func (s *Section) decode(v any) []error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return []error{fmt.Errorf("conf: Decode needs a non-nil pointer to a struct, not %T", v)}
	}
	fields := make(map[string]field)
	var names []string
	if err := structFields(rv.Elem().Type(), nil, fields, &names); err != nil {
		return []error{err}
	}
	var errs []error
	for i := range s.entries {
		e := &s.entries[i]
		f, ok := fields[normKey(e.key)]
		if !ok {
			errs = append(errs, s.unknown(e, names))
			continue
		}
		if err := s.setField(rv.Elem().FieldByIndex(f.index), f, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// unknown returns the ErrUnknownKey error of e, with a suggestion from
// names.
func (s *Section) unknown(e *entry, names []string) *Error {
	msg := "unknown key in [" + s.name + "]"
	if near := suggest(e.key, names); near != "" {
		msg += ", did you mean " + near + "?"
	}
	return errorAt(e.src, s.name, e.key, ErrUnknownKey, msg)
}

// structFields adds the fields of t, at index prefix, to fields by their
// normalised key, and their keys to names.
func structFields(t reflect.Type, prefix []int, fields map[string]field, names *[]string) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("conf")
		if tag == "-" {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct && !reflect.PointerTo(sf.Type).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
			if err := structFields(sf.Type, index, fields, names); err != nil {
				return err
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := field{name: name, index: index, size: opts == "size"}
		if opts != "" && opts != "size" {
			return fmt.Errorf("conf: Decode: field %s: unknown tag option %q", sf.Name, opts)
		}
		if !decodable(sf.Type, f.size) {
			return fmt.Errorf("conf: Decode: field %s has type %v, which Decode cannot fill", sf.Name, sf.Type)
		}
		n := normKey(name)
		if !validKey(name) {
			return fmt.Errorf("conf: Decode: field %s: key %q is not made of letters, digits and underscores", sf.Name, name)
		}
		if other, dup := fields[n]; dup {
			return fmt.Errorf("conf: Decode: fields %s and %s take the same key", other.name, name)
		}
		fields[n] = f
		*names = append(*names, name)
	}
	return nil
}

// decodable reports whether Decode can fill a field of type t.
func decodable(t reflect.Type, size bool) bool {
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return !size
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return !size || t != reflect.TypeFor[time.Duration]()
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64:
		return !size
	case reflect.Slice:
		return !size && t.Elem().Kind() == reflect.String
	}
	return false
}

// setField sets fv, the field f, from e.
func (s *Section) setField(fv reflect.Value, f field, e *entry) error {
	t := fv.Type()
	if fv.CanAddr() {
		if u, ok := fv.Addr().Interface().(encoding.TextUnmarshaler); ok {
			if err := u.UnmarshalText([]byte(e.value)); err != nil {
				return s.bad(e, err.Error(), err)
			}
			return nil
		}
	}
	switch t.Kind() {
	case reflect.String:
		fv.SetString(e.value)
		return nil
	case reflect.Slice:
		items := parseList(e.value)
		sl := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			sl.Index(i).SetString(item)
		}
		fv.Set(sl)
		return nil
	}
	if e.value == "" {
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		b, err := parseBool(e.value)
		if err != nil {
			return s.bad(e, err.Error(), nil)
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n int64
		var err error
		switch {
		case t == reflect.TypeFor[time.Duration]():
			var d time.Duration
			d, err = parseDuration(e.value)
			n = int64(d)
		case f.size:
			n, err = parseSize(e.value)
		default:
			n, err = strconv.ParseInt(e.value, 10, 64)
			if err != nil {
				err = intError(err, "an integer")
			}
		}
		if err == nil && fv.OverflowInt(n) {
			err = errors.New("out of range")
		}
		if err != nil {
			return s.bad(e, err.Error(), nil)
		}
		fv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var n uint64
		var err error
		if f.size {
			var m int64
			m, err = parseSize(e.value)
			if err == nil && m < 0 {
				err = errors.New("a negative size")
			}
			n = uint64(m)
		} else {
			n, err = strconv.ParseUint(e.value, 10, 64)
			if err != nil {
				err = intError(err, "an unsigned integer")
			}
		}
		if err == nil && fv.OverflowUint(n) {
			err = errors.New("out of range")
		}
		if err != nil {
			return s.bad(e, err.Error(), nil)
		}
		fv.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(e.value, t.Bits())
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return s.bad(e, "not a finite number", nil)
		}
		fv.SetFloat(x)
	}
	return nil
}

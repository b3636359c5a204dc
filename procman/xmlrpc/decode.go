package xmlrpc

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// UnmarshalCall parses a methodCall document into its method name and its
// params, as values of the package's type mapping (int, bool, string,
// float64, time.Time, []byte, map[string]any, []any, nil). A call without
// <params> has no params; an empty method name is an error. Use [Decode]
// to store a param in a typed Go value.
func UnmarshalCall(data []byte) (method string, params []any, err error) {
	return parseCall(data)
}

// UnmarshalResponse parses a methodResponse document. When it carries a
// fault, UnmarshalResponse returns the fault as a *[Fault]. Otherwise it
// stores the result in reply, as [Decode] does; reply may be nil to
// discard the result. A response without a param has a nil result.
func UnmarshalResponse(data []byte, reply any) error {
	result, fault, err := parseResponse(data)
	if err != nil {
		return err
	}
	if fault != nil {
		return fault
	}
	if reply == nil {
		return nil
	}
	return Decode(result, reply)
}

// Decode stores src, a value as [UnmarshalCall] and [UnmarshalResponse]
// produce it, in the Go value that dst points to. It converts:
//
//   - int to any integer kind, when the value fits, and to float kinds;
//   - boolean to bool; double to float kinds; dateTime to time.Time;
//   - string to string kinds and to []byte; base64 to []byte and to string
//     kinds (supervisord decodes base64 params to text);
//   - array to slices, and to arrays (extra elements are dropped, missing
//     ones zeroed);
//   - struct to maps with string keys, and to Go structs, whose fields take
//     the members named by their `xmlrpc` tag or their name (exactly, or
//     else ignoring case); members with no field are ignored, fields with
//     no member keep their value;
//   - nil to the zero value of any type.
//
// An interface dst takes src as it is, when src's type implements it;
// pointers are allocated as needed. A src whose Go type can be assigned to
// dst's is assigned, so that in-process callers can pass Go values. Any
// other combination is an error that names where in src it failed.
func Decode(src, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("xmlrpc: Decode needs a non-nil pointer, not %T", dst)
	}
	var d decoder
	return d.value(src, rv.Elem(), 0)
}

// DecodeError is the error of [Decode] when a value does not fit its
// destination.
type DecodeError struct {
	// Path locates the value inside the one given to Decode, such as
	// "[2].name"; it is empty for the value itself.
	Path string
	// Value is the XML-RPC type of the value, such as "string".
	Value string
	// Type is the Go type it could not be stored in.
	Type reflect.Type
	// Reason says why, when more than the types must be said.
	Reason string
}

// Error returns "xmlrpc: cannot decode VALUE into TYPE at PATH: REASON".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("xmlrpc: cannot decode ")
	b.WriteString(e.Value)
	b.WriteString(" into ")
	b.WriteString(e.Type.String())
	if e.Path != "" {
		b.WriteString(" at ")
		b.WriteString(e.Path)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

func mismatch(src any, dst reflect.Value, reason string) error {
	return &DecodeError{Value: typeName(src), Type: dst.Type(), Reason: reason}
}

// at prefixes the path of a DecodeError with elem.
func at(err error, elem string) error {
	if de, ok := errors.AsType[*DecodeError](err); ok {
		if de.Path != "" && de.Path[0] != '[' {
			elem += "."
		}
		de.Path = elem + de.Path
	}
	return err
}

// decoder stores parsed values in Go values.
type decoder struct {
	fields fieldCache
}

func (d *decoder) value(src any, dst reflect.Value, depth int) error {
	if depth > maxDepth {
		return mismatch(src, dst, "nested too deeply")
	}
	if dst.Kind() == reflect.Interface {
		if src == nil {
			dst.SetZero()
			return nil
		}
		sv := reflect.ValueOf(src)
		if !sv.Type().AssignableTo(dst.Type()) {
			return mismatch(src, dst, "")
		}
		dst.Set(sv)
		return nil
	}
	if src == nil {
		dst.SetZero()
		return nil
	}
	if sv := reflect.ValueOf(src); sv.Type().AssignableTo(dst.Type()) {
		dst.Set(sv)
		return nil
	}
	if dst.Kind() == reflect.Pointer {
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return d.value(src, dst.Elem(), depth+1)
	}
	switch s := src.(type) {
	case int:
		switch dst.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if dst.OverflowInt(int64(s)) {
				return mismatch(src, dst, strconv.Itoa(s)+" overflows it")
			}
			dst.SetInt(int64(s))
			return nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if s < 0 || dst.OverflowUint(uint64(s)) {
				return mismatch(src, dst, strconv.Itoa(s)+" overflows it")
			}
			dst.SetUint(uint64(s))
			return nil
		case reflect.Float32, reflect.Float64:
			dst.SetFloat(float64(s))
			return nil
		}
	case bool:
		if dst.Kind() == reflect.Bool {
			dst.SetBool(s)
			return nil
		}
	case float64:
		if k := dst.Kind(); k == reflect.Float32 || k == reflect.Float64 {
			if dst.OverflowFloat(s) {
				return mismatch(src, dst, "out of range")
			}
			dst.SetFloat(s)
			return nil
		}
	case string:
		if dst.Kind() == reflect.String {
			dst.SetString(s)
			return nil
		}
		if isBytes(dst.Type()) {
			dst.SetBytes([]byte(s))
			return nil
		}
	case []byte:
		if dst.Kind() == reflect.String {
			dst.SetString(string(s))
			return nil
		}
		if isBytes(dst.Type()) {
			dst.SetBytes(append([]byte{}, s...))
			return nil
		}
	case time.Time:
		// A time.Time dst is assignable, handled above.
	case []any:
		return d.array(s, dst, depth)
	case map[string]any:
		return d.structure(s, dst, depth)
	}
	return mismatch(src, dst, "")
}

func isBytes(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

func (d *decoder) array(src []any, dst reflect.Value, depth int) error {
	switch dst.Kind() {
	case reflect.Slice:
		s := reflect.MakeSlice(dst.Type(), len(src), len(src))
		for i, el := range src {
			if err := d.value(el, s.Index(i), depth+1); err != nil {
				return at(err, "["+strconv.Itoa(i)+"]")
			}
		}
		dst.Set(s)
		return nil
	case reflect.Array:
		for i := range dst.Len() {
			if i >= len(src) {
				dst.Index(i).SetZero()
				continue
			}
			if err := d.value(src[i], dst.Index(i), depth+1); err != nil {
				return at(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return nil
	}
	return mismatch(src, dst, "")
}

func (d *decoder) structure(src map[string]any, dst reflect.Value, depth int) error {
	switch dst.Kind() {
	case reflect.Map:
		t := dst.Type()
		if t.Key().Kind() != reflect.String {
			break
		}
		if dst.IsNil() {
			dst.Set(reflect.MakeMapWithSize(t, len(src)))
		}
		for _, k := range sortedKeys(src) {
			el := reflect.New(t.Elem()).Elem()
			if err := d.value(src[k], el, depth+1); err != nil {
				return at(err, k)
			}
			dst.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), el)
		}
		return nil
	case reflect.Struct:
		for _, f := range d.fields.get(dst.Type()) {
			v, ok := src[f.name]
			if !ok {
				if v, ok = lookupFold(src, f.name); !ok {
					continue
				}
			}
			fv, ok := fieldByIndex(dst, f.index, true)
			if !ok {
				continue
			}
			if err := d.value(v, fv, depth+1); err != nil {
				return at(err, f.name)
			}
		}
		return nil
	}
	return mismatch(src, dst, "")
}

// lookupFold finds the member of m whose name equals name ignoring case.
// When several do, the first in sorted order wins.
func lookupFold(m map[string]any, name string) (any, bool) {
	var found string
	ok := false
	for k := range m {
		if strings.EqualFold(k, name) && (!ok || k < found) {
			found, ok = k, true
		}
	}
	if !ok {
		return nil, false
	}
	return m[found], true
}

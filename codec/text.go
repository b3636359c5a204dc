package codec

import (
	"errors"
	"reflect"
	"strconv"
)

// errKind is returned by setText for a kind it does not handle. It never
// leaves the package.
var errKind = errors.New("codec: unhandled kind")

// setText parses text into the settable value v by v's kind: strings and
// byte slices take text (byte slices a copy of it), booleans and numbers
// are parsed with strconv in base 10. It returns errKind for any other kind,
// and the strconv error when text does not parse.
func setText(v reflect.Value, text string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(text, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(text, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem() != byteType {
			return errKind
		}
		v.SetBytes([]byte(text))
	default:
		return errKind
	}
	return nil
}

// byteType is the element type of the byte slices handled as text.
var byteType = reflect.TypeFor[byte]()

// appendText appends the text form of v to dst by v's kind: strings and
// byte slices as they are, booleans and numbers formatted by strconv in
// base 10, floats in the shortest form that parses back to the same value.
// It reports false, appending nothing, for any other kind.
func appendText(dst []byte, v reflect.Value) ([]byte, bool) {
	switch v.Kind() {
	case reflect.String:
		return append(dst, v.String()...), true
	case reflect.Bool:
		return strconv.AppendBool(dst, v.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(dst, v.Uint(), 10), true
	case reflect.Float32, reflect.Float64:
		return strconv.AppendFloat(dst, v.Float(), 'g', -1, v.Type().Bits()), true
	case reflect.Slice:
		if v.Type().Elem() == byteType {
			return append(dst, v.Bytes()...), true
		}
	}
	return dst, false
}

// textKind reports whether appendText and setText handle values of type t.
func textKind(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Slice:
		return t.Elem() == byteType
	}
	return false
}

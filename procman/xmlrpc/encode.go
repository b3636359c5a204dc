package xmlrpc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// xmlHeader starts every document this package writes. UTF-8 is XML's
// default encoding, so, like Python's xmlrpc.client, it names none.
const xmlHeader = "<?xml version=\"1.0\"?>\n"

// MarshalCall returns the methodCall document that calls method with
// params. The Go values map to XML-RPC as the package documentation
// describes; a value that has no XML-RPC form, such as a channel, an int
// beyond 32 bits or a NaN, is an error.
func MarshalCall(method string, params []any) ([]byte, error) {
	return appendCall(nil, method, params)
}

// MarshalResponse returns the methodResponse document that carries result
// as its one param. A nil result is written as <nil/>.
func MarshalResponse(result any) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 256)}
	e.buf = append(e.buf, xmlHeader+"<methodResponse><params><param>"...)
	if err := e.value(result); err != nil {
		return nil, err
	}
	e.buf = append(e.buf, "</param></params></methodResponse>\n"...)
	return e.buf, nil
}

// MarshalFault returns the methodResponse document that carries f as a
// fault: a struct of faultCode (an int) and faultString (a string).
func MarshalFault(f *Fault) []byte {
	e := encoder{buf: make([]byte, 0, 256)}
	e.buf = append(e.buf, xmlHeader+"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>"...)
	e.buf = strconv.AppendInt(e.buf, int64(f.Code), 10)
	e.buf = append(e.buf, "</int></value></member><member><name>faultString</name><value><string>"...)
	e.buf = appendText(e.buf, f.String)
	e.buf = append(e.buf, "</string></value></member></struct></value></fault></methodResponse>\n"...)
	return e.buf
}

func appendCall(dst []byte, method string, params []any) ([]byte, error) {
	if method == "" {
		return nil, errors.New("xmlrpc: empty method name")
	}
	e := encoder{buf: dst}
	e.buf = append(e.buf, xmlHeader+"<methodCall><methodName>"...)
	e.buf = appendText(e.buf, method)
	e.buf = append(e.buf, "</methodName><params>"...)
	for _, p := range params {
		e.buf = append(e.buf, "<param>"...)
		if err := e.value(p); err != nil {
			return nil, err
		}
		e.buf = append(e.buf, "</param>"...)
	}
	e.buf = append(e.buf, "</params></methodCall>\n"...)
	return e.buf, nil
}

// encoder appends <value> elements to buf.
type encoder struct {
	buf    []byte
	depth  int
	fields fieldCache
}

// value appends v as a <value> element. The common types of the parser's
// results and of handlers' replies take a path without reflection.
func (e *encoder) value(v any) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "<value><nil/></value>"...)
	case string:
		e.str(x)
	case int:
		return e.int(int64(x))
	case int64:
		return e.int(x)
	case int32:
		return e.int(int64(x))
	case bool:
		e.bool(x)
	case float64:
		return e.double(x, 64)
	case time.Time:
		return e.time(x)
	case []byte:
		e.base64(x)
	case []any:
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, "<value><array><data>"...)
		for _, el := range x {
			if err := e.value(el); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, "</data></array></value>"...)
		e.depth--
	case map[string]any:
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, "<value><struct>"...)
		for _, k := range sortedKeys(x) {
			e.memberName(k)
			if err := e.value(x[k]); err != nil {
				return err
			}
			e.buf = append(e.buf, "</member>"...)
		}
		e.buf = append(e.buf, "</struct></value>"...)
		e.depth--
	case []string:
		e.buf = append(e.buf, "<value><array><data>"...)
		for _, s := range x {
			e.str(s)
		}
		e.buf = append(e.buf, "</data></array></value>"...)
	default:
		return e.reflect(reflect.ValueOf(v))
	}
	return nil
}

// reflect appends v, of any type, as a <value> element.
func (e *encoder) reflect(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Invalid:
		e.buf = append(e.buf, "<value><nil/></value>"...)
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.buf = append(e.buf, "<value><nil/></value>"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		err := e.reflect(v.Elem())
		e.depth--
		return err
	case reflect.String:
		e.str(v.String())
		return nil
	case reflect.Bool:
		e.bool(v.Bool())
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.int(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := v.Uint()
		if u > math.MaxInt32 {
			return fmt.Errorf("xmlrpc: cannot marshal %d: an XML-RPC int has 32 bits", u)
		}
		return e.int(int64(u))
	case reflect.Float32:
		return e.double(v.Float(), 32)
	case reflect.Float64:
		return e.double(v.Float(), 64)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			e.base64(v.Bytes())
			return nil
		}
		if v.IsNil() {
			// A nil slice is an empty array, not <nil/>: callers such as
			// supervisorctl iterate over lists without checking for None.
			e.buf = append(e.buf, "<value><array><data></data></array></value>"...)
			return nil
		}
		return e.array(v)
	case reflect.Array:
		return e.array(v)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("xmlrpc: cannot marshal %s: struct member names are strings", v.Type())
		}
		return e.mapStruct(v)
	case reflect.Struct:
		if v.Type() == timeType {
			return e.time(v.Interface().(time.Time))
		}
		return e.goStruct(v)
	}
	return fmt.Errorf("xmlrpc: cannot marshal %s", v.Type())
}

func (e *encoder) enter() error {
	e.depth++
	if e.depth > maxDepth {
		return fmt.Errorf("xmlrpc: cannot marshal a value nested more than %d deep (a cycle?)", maxDepth)
	}
	return nil
}

func (e *encoder) array(v reflect.Value) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, "<value><array><data>"...)
	for i := range v.Len() {
		if err := e.reflect(v.Index(i)); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, "</data></array></value>"...)
	e.depth--
	return nil
}

func (e *encoder) mapStruct(v reflect.Value) error {
	if err := e.enter(); err != nil {
		return err
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		switch as, bs := a.String(), b.String(); {
		case as < bs:
			return -1
		case as > bs:
			return 1
		}
		return 0
	})
	e.buf = append(e.buf, "<value><struct>"...)
	for _, k := range keys {
		e.memberName(k.String())
		if err := e.reflect(v.MapIndex(k)); err != nil {
			return err
		}
		e.buf = append(e.buf, "</member>"...)
	}
	e.buf = append(e.buf, "</struct></value>"...)
	e.depth--
	return nil
}

func (e *encoder) goStruct(v reflect.Value) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, "<value><struct>"...)
	for _, f := range e.fields.get(v.Type()) {
		fv, ok := fieldByIndex(v, f.index, false)
		if !ok || f.omitEmpty && fv.IsZero() {
			continue
		}
		e.memberName(f.name)
		if err := e.reflect(fv); err != nil {
			return err
		}
		e.buf = append(e.buf, "</member>"...)
	}
	e.buf = append(e.buf, "</struct></value>"...)
	e.depth--
	return nil
}

func (e *encoder) memberName(name string) {
	e.buf = append(e.buf, "<member><name>"...)
	e.buf = appendText(e.buf, name)
	e.buf = append(e.buf, "</name>"...)
}

func (e *encoder) str(s string) {
	e.buf = append(e.buf, "<value><string>"...)
	e.buf = appendText(e.buf, s)
	e.buf = append(e.buf, "</string></value>"...)
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, "<value><boolean>1</boolean></value>"...)
	} else {
		e.buf = append(e.buf, "<value><boolean>0</boolean></value>"...)
	}
}

func (e *encoder) int(n int64) error {
	if !fitsInt32(n) {
		return fmt.Errorf("xmlrpc: cannot marshal %d: an XML-RPC int has 32 bits", n)
	}
	e.buf = append(e.buf, "<value><int>"...)
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.buf = append(e.buf, "</int></value>"...)
	return nil
}

// double appends f, which has bits bits of precision, in the shortest
// decimal form (no exponent) that reads back as the same value.
func (e *encoder) double(f float64, bits int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("xmlrpc: cannot marshal %v: an XML-RPC double is finite", f)
	}
	e.buf = append(e.buf, "<value><double>"...)
	e.buf = strconv.AppendFloat(e.buf, f, 'f', -1, bits)
	e.buf = append(e.buf, "</double></value>"...)
	return nil
}

func (e *encoder) time(t time.Time) error {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("xmlrpc: cannot marshal %v: a dateTime.iso8601 has a four-digit year", t)
	}
	e.buf = append(e.buf, "<value><dateTime.iso8601>"...)
	e.buf = t.AppendFormat(e.buf, dateTimeLayout)
	e.buf = append(e.buf, "</dateTime.iso8601></value>"...)
	return nil
}

func (e *encoder) base64(b []byte) {
	e.buf = append(e.buf, "<value><base64>"...)
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, "</base64></value>"...)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendText appends s as XML character data. It escapes the characters
// markup gives a meaning to, and carriage returns, which XML parsers
// would otherwise turn into line feeds. Runes that XML 1.0 does not allow
// in a document (most C0 controls, U+FFFE, U+FFFF) and bytes that are not
// UTF-8 become U+FFFD: no XML parser would accept them, and a process's
// log read over XML-RPC may hold any of them.
func appendText(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '<':
				dst = append(dst, "&lt;"...)
			case c == '>':
				dst = append(dst, "&gt;"...)
			case c == '&':
				dst = append(dst, "&amp;"...)
			case c == '\r':
				dst = append(dst, "&#xD;"...)
			case c == '\t' || c == '\n' || c >= 0x20:
				dst = append(dst, c)
			default:
				dst = append(dst, "\uFFFD"...)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

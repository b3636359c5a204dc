package xmlrpc

import (
	"context"
	"math"
	"reflect"
	"strings"
	"time"
)

// maxDepth is how deeply arrays and structs may nest, in what this package
// writes and in what it reads. It keeps a cyclic Go value from recursing
// forever and a hostile document from exhausting the stack.
const maxDepth = 128

// dateTimeLayout is the form of a dateTime.iso8601 value, as the spec's
// example "19980717T14:08:55" and Python's xmlrpc.client write it.
const dateTimeLayout = "20060102T15:04:05"

// dateTimeLayouts are the forms the parser accepts: the spec's, and the
// ISO 8601 variants other implementations write. A zone, when present, is
// honoured; the time is then converted to UTC.
var dateTimeLayouts = [...]string{
	dateTimeLayout,
	"20060102T15:04:05Z07:00",
	"20060102T150405",
	"20060102T150405Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05Z07:00",
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	errorType   = reflect.TypeFor[error]()
	contextType = reflect.TypeFor[context.Context]()
)

// typeName returns the XML-RPC name of the type of v, a value as the
// parser returns it, or its Go type for other values.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case int:
		return "int"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		return "double"
	case time.Time:
		return "dateTime.iso8601"
	case []byte:
		return "base64"
	case map[string]any:
		return "struct"
	case []any:
		return "array"
	}
	return reflect.TypeOf(v).String()
}

// fitsInt32 reports whether n fits the 32-bit <int> of XML-RPC.
func fitsInt32(n int64) bool { return n >= math.MinInt32 && n <= math.MaxInt32 }

// field is a struct field that maps to an XML-RPC struct member.
type field struct {
	name      string
	index     []int
	omitEmpty bool
}

// fieldCache holds the fields of the struct types met by one marshal or
// decode, so that a slice of structs pays for reflection once. It lives as
// long as the call: the package keeps no state between calls.
type fieldCache map[reflect.Type][]field

func (c *fieldCache) get(t reflect.Type) []field {
	if fields, ok := (*c)[t]; ok {
		return fields
	}
	if *c == nil {
		*c = make(fieldCache)
	}
	fields := structFields(t)
	(*c)[t] = fields
	return fields
}

// structFields returns the fields of the struct type t that map to
// members, in declaration order. A field's member name is its `xmlrpc`
// tag's name, or else the field's name; the tag "-" leaves it out and the
// option ",omitempty" leaves it out when it holds its zero value.
// Unexported fields are left out. The fields of an embedded struct without
// a tag are promoted as encoding/json does; a field of the outer struct
// wins over a promoted field of the same name, and among promoted fields
// the first wins.
func structFields(t reflect.Type) []field {
	return appendFields(nil, t, nil, 0)
}

func appendFields(fields []field, t reflect.Type, index []int, depth int) []field {
	var embedded []reflect.StructField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, hasTag := sf.Tag.Lookup("xmlrpc")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && !hasTag {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != timeType && (sf.IsExported() || sf.Type.Kind() == reflect.Struct) {
				embedded = append(embedded, sf)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields = append(fields, field{
			name:      name,
			index:     append(append([]int(nil), index...), i),
			omitEmpty: hasOption(opts, "omitempty"),
		})
	}
	if depth >= maxDepth {
		return fields
	}
	for _, sf := range embedded {
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		inner := appendFields(nil, ft, append(append([]int(nil), index...), sf.Index...), depth+1)
		for _, f := range inner {
			if !hasField(fields, f.name) {
				fields = append(fields, f)
			}
		}
	}
	return fields
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

func hasField(fields []field, name string) bool {
	for _, f := range fields {
		if f.name == name {
			return true
		}
	}
	return false
}

// fieldByIndex returns the field of struct v at index. When alloc is set it
// allocates the nil embedded pointers on the way; otherwise it reports
// false when it meets one.
func fieldByIndex(v reflect.Value, index []int, alloc bool) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !alloc || !v.CanSet() {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

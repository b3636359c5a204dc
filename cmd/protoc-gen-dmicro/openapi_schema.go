package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// schema is a JSON Schema (2020-12, as OpenAPI 3.1 uses it). Its fields
// marshal in this order, which keeps the document deterministic.
type schema struct {
	Ref                  string      `json:"$ref,omitempty"`
	Type                 any         `json:"type,omitempty"` // a name, or a list of names
	Format               string      `json:"format,omitempty"`
	Description          string      `json:"description,omitempty"`
	Deprecated           bool        `json:"deprecated,omitempty"`
	Const                string      `json:"const,omitempty"`
	Enum                 []int32     `json:"enum,omitempty"`
	EnumNames            []string    `json:"x-enum-varnames,omitempty"`
	Minimum              *uint64     `json:"minimum,omitempty"`
	Maximum              *uint64     `json:"maximum,omitempty"`
	Pattern              string      `json:"pattern,omitempty"`
	ContentEncoding      string      `json:"contentEncoding,omitempty"`
	Items                *schema     `json:"items,omitempty"`
	Properties           *properties `json:"properties,omitempty"`
	Required             []string    `json:"required,omitempty"`
	PropertyNames        *schema     `json:"propertyNames,omitempty"`
	AdditionalProperties *schema     `json:"additionalProperties,omitempty"`
	OneOf                []*schema   `json:"oneOf,omitempty"`
}

// properties are a schema's properties in the order of the message's
// fields (a map would sort them by name).
type properties struct {
	names   []string
	schemas []*schema
}

func (p *properties) add(name string, s *schema) {
	p.names = append(p.names, name)
	p.schemas = append(p.schemas, s)
}

// MarshalJSON writes the properties as one object, in order.
func (p *properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range p.names {
		if i > 0 {
			b.WriteByte(',')
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(name); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
		b.WriteByte(':')
		if err := enc.Encode(p.schemas[i]); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// schemaRef is the reference to a component schema.
func schemaRef(name string) *schema { return &schema{Ref: "#/components/schemas/" + name} }

// schemaSet builds the component schemas of the messages and enums the
// methods use, as the json codec puts them on the wire: encoding/json
// applied to protoc-gen-go's structs. So a field is named by its json tag,
// the .proto field name (not protojson's lowerCamelCase); 64-bit integers
// and enums are JSON numbers; bytes are base64 strings; zero values,
// empty lists and maps and nil messages are left out; and a oneof is an
// object named by the oneof's Go name holding one member by its Go name
// (null when none is set), which encoding/json writes but cannot read back
// into the interface field.
type schemaSet struct {
	schemas map[string]*schema
}

// message returns a reference to m's schema, building it and the schemas
// of the messages and enums it uses the first time.
func (ss *schemaSet) message(m *protogen.Message) (*schema, error) {
	name := string(m.Desc.FullName())
	if _, ok := ss.schemas[name]; ok {
		return schemaRef(name), nil
	}
	s := &schema{Type: "object", Description: describe(commentLines(m.Comments.Leading)), Properties: &properties{}}
	if o, ok := m.Desc.Options().(*descriptorpb.MessageOptions); ok && o.GetDeprecated() {
		s.Deprecated = true
	}
	ss.schemas[name] = s // before the fields: a message may contain itself
	done := make(map[*protogen.Oneof]bool)
	for _, f := range m.Fields {
		if o := f.Oneof; o != nil && !o.Desc.IsSynthetic() {
			if done[o] {
				continue
			}
			done[o] = true
			os, err := ss.oneof(o)
			if err != nil {
				return nil, err
			}
			s.Properties.add(o.GoName, os)
			continue
		}
		fs, err := ss.field(f)
		if err != nil {
			return nil, err
		}
		s.Properties.add(string(f.Desc.Name()), fs)
	}
	if len(s.Properties.names) == 0 {
		s.Properties = nil
	}
	return schemaRef(name), nil
}

// oneof describes a oneof as encoding/json writes it: {"Member": value}
// under the oneof's Go name, or null. The generated UnmarshalJSON reads it
// back (json.go).
func (ss *schemaSet) oneof(o *protogen.Oneof) (*schema, error) {
	s := &schema{
		Description: describe(append(commentLines(o.Comments.Leading),
			"", "One of the members, named by its Go field name, or null when none is set. Setting more than one member fails with code 6.")),
		OneOf: []*schema{{Type: "null"}},
	}
	for _, f := range o.Fields {
		fs, err := ss.field(f)
		if err != nil {
			return nil, err
		}
		member := &schema{Type: "object", Properties: &properties{}, Required: []string{f.GoName}}
		member.Properties.add(f.GoName, fs)
		s.OneOf = append(s.OneOf, member)
	}
	return s, nil
}

// field returns the schema of a field: a list, a map or a single value.
func (ss *schemaSet) field(f *protogen.Field) (*schema, error) {
	var s *schema
	var err error
	switch {
	case f.Desc.IsMap():
		s, err = ss.mapField(f)
	case f.Desc.IsList():
		var item *schema
		item, err = ss.value(f)
		s = &schema{Type: "array", Items: item}
	default:
		s, err = ss.value(f)
	}
	if err != nil {
		return nil, err
	}
	lines := commentLines(f.Comments.Leading)
	if t := commentLines(f.Comments.Trailing); len(t) > 0 {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, t...)
	}
	if d := describe(lines); d != "" {
		s.Description = joinDescriptions(s.Description, d)
	}
	if o, ok := f.Desc.Options().(*descriptorpb.FieldOptions); ok && o.GetDeprecated() {
		s.Deprecated = true
	}
	return s, nil
}

// mapField describes a map as encoding/json writes it: an object whose
// keys are the map keys as strings.
func (ss *schemaSet) mapField(f *protogen.Field) (*schema, error) {
	key, val := f.Message.Fields[0], f.Message.Fields[1]
	v, err := ss.value(val)
	if err != nil {
		return nil, err
	}
	s := &schema{Type: "object", AdditionalProperties: v}
	switch k := key.Desc.Kind(); k {
	case protoreflect.StringKind:
	case protoreflect.BoolKind:
		s.Description = "encoding/json cannot encode a map with bool keys: a reply or request that fills it fails with code 6."
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		s.PropertyNames = &schema{Pattern: "^(0|[1-9][0-9]*)$"}
	default:
		s.PropertyNames = &schema{Pattern: "^(0|-?[1-9][0-9]*)$"}
	}
	return s, nil
}

// value returns the schema of one value of f's kind.
func (ss *schemaSet) value(f *protogen.Field) (*schema, error) {
	switch k := f.Desc.Kind(); k {
	case protoreflect.MessageKind:
		return ss.message(f.Message)
	case protoreflect.EnumKind:
		return ss.enum(f.Enum), nil
	case protoreflect.GroupKind:
		return nil, fmt.Errorf("message %s: field %s: groups are not supported", f.Parent.Desc.FullName(), f.Desc.Name())
	default:
		return scalarSchema(k), nil
	}
}

// scalarSchema is the schema of a scalar as encoding/json writes the Go
// type protoc-gen-go gives it.
func scalarSchema(k protoreflect.Kind) *schema {
	switch k {
	case protoreflect.BoolKind:
		return &schema{Type: "boolean"}
	case protoreflect.StringKind:
		return &schema{Type: "string"}
	case protoreflect.BytesKind:
		return &schema{Type: "string", ContentEncoding: "base64"}
	case protoreflect.FloatKind:
		return &schema{Type: "number", Format: "float"}
	case protoreflect.DoubleKind:
		return &schema{Type: "number", Format: "double"}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return &schema{Type: "integer", Format: "int32"}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return &schema{Type: "integer", Format: "int64"}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return &schema{Type: "integer", Minimum: new(uint64(0)), Maximum: new(uint64(1<<32 - 1))}
	default: // Uint64Kind, Fixed64Kind
		return &schema{Type: "integer", Minimum: new(uint64(0)), Maximum: new(uint64(1<<64 - 1))}
	}
}

// enum returns a reference to e's schema: its numbers, with their names
// in x-enum-varnames and the description.
func (ss *schemaSet) enum(e *protogen.Enum) *schema {
	name := string(e.Desc.FullName())
	if _, ok := ss.schemas[name]; ok {
		return schemaRef(name)
	}
	s := &schema{Type: "integer", Format: "int32"}
	seen := make(map[int32]bool)
	var list []string
	for _, v := range e.Values {
		n := int32(v.Desc.Number())
		list = append(list, fmt.Sprintf("%s = %d", v.Desc.Name(), n))
		if seen[n] {
			continue // an alias
		}
		seen[n] = true
		s.Enum = append(s.Enum, n)
		s.EnumNames = append(s.EnumNames, string(v.Desc.Name()))
	}
	s.Description = joinDescriptions(describe(commentLines(e.Comments.Leading)),
		"A number (encoding/json writes enums as numbers): "+strings.Join(list, ", ")+".")
	ss.schemas[name] = s
	return schemaRef(name)
}

// describe joins comment lines into a description.
func describe(lines []string) string { return strings.Join(lines, "\n") }

// joinDescriptions joins two descriptions as paragraphs.
func joinDescriptions(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

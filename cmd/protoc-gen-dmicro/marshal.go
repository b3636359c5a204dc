package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// errUnsupported is wrapped by every error of checkSupported.
var errUnsupported = errors.New("not supported")

// Import paths of the packages generated marshalling code uses.
const (
	protowirePkg = protogen.GoImportPath("google.golang.org/protobuf/encoding/protowire")
	protofastPkg = protogen.GoImportPath("github.com/dmicro-go/dmicro/codec/protofast")
	mathPkg      = protogen.GoImportPath("math")
	atomicPkg    = protogen.GoImportPath("sync/atomic")
	slicesPkg    = protogen.GoImportPath("slices")
)

// checkSupported reports, naming the file and element, what the generator
// cannot generate for f: groups, extensions and extension ranges (the
// generated code would have to keep extension fields apart from unknown
// ones, as protoc-gen-go's messages do), fields whose Go name is that of a
// generated method (DmicroSize ...), and editions files (protoc 3.21
// does not write them; their feature rules are not implemented). Proto2
// files are supported: explicit presence, required fields (checked as
// proto.Marshal and proto.Unmarshal check them) and closed enums (whose
// unknown values google.golang.org/protobuf keeps in the field, as for
// open enums).
func checkSupported(f *protogen.File) error {
	path := f.Desc.Path()
	if len(f.Extensions) > 0 {
		return fmt.Errorf("%s: extension %s: extensions are %w", path, f.Extensions[0].Desc.FullName(), errUnsupported)
	}
	var err error
	walkMessages(f.Messages, func(m *protogen.Message) bool {
		err = checkMessage(path, m)
		return err == nil
	})
	if err != nil {
		return err
	}
	if s := f.Desc.Syntax(); s == protoreflect.Editions {
		return fmt.Errorf("%s: editions are %w (only proto2 and proto3)", path, errUnsupported)
	}
	return nil
}

// checkMessage reports what the generator cannot generate in m (not its
// nested messages).
func checkMessage(path string, m *protogen.Message) error {
	name := m.Desc.FullName()
	if m.Desc.ExtensionRanges().Len() > 0 {
		return fmt.Errorf("%s: message %s: extension ranges are %w", path, name, errUnsupported)
	}
	if len(m.Extensions) > 0 {
		return fmt.Errorf("%s: message %s: extension %s: extensions are %w", path, name, m.Extensions[0].Desc.Name(), errUnsupported)
	}
	for _, fd := range m.Fields {
		d := fd.Desc
		switch {
		case fd.GoName == "DmicroSize" || fd.GoName == "DmicroMarshalAppend" || fd.GoName == "DmicroUnmarshal":
			return fmt.Errorf("%s: message %s: field %s: its Go name %s is that of a generated method, %w", path, name, d.Name(), fd.GoName, errUnsupported)
		case d.Kind() == protoreflect.GroupKind:
			return fmt.Errorf("%s: message %s: field %s: groups are %w", path, name, d.Name(), errUnsupported)
		}
	}
	return nil
}

// mapValue returns the value field of a map field, nil for other fields.
func mapValue(fd *protogen.Field) *protogen.Field {
	if !fd.Desc.IsMap() {
		return nil
	}
	return fd.Message.Fields[1]
}

// walkMessages calls fn for each message of ms and their nested messages,
// map entries excepted, until fn returns false.
func walkMessages(ms []*protogen.Message, fn func(*protogen.Message) bool) bool {
	for _, m := range ms {
		if m.Desc.IsMapEntry() {
			continue
		}
		if !fn(m) || !walkMessages(m.Messages, fn) {
			return false
		}
	}
	return true
}

// marshalGen writes the marshalling methods of one file's messages.
type marshalGen struct {
	g     *protogen.GeneratedFile
	local map[protoreflect.FullName]bool // messages that get methods here

	// State of the decoder being written.
	fail    string // how its code returns an error: "return " or "return false, "
	seenBit string // the statement noting the required field being decoded
}

// generateMarshal writes the size, marshal and unmarshal methods of every
// message of f.
func generateMarshal(g *protogen.GeneratedFile, f *protogen.File) error {
	x := &marshalGen{g: g, local: map[protoreflect.FullName]bool{}}
	walkMessages(f.Messages, func(m *protogen.Message) bool {
		x.local[m.Desc.FullName()] = true
		return true
	})
	walkMessages(f.Messages, func(m *protogen.Message) bool {
		x.size(m)
		x.marshal(m)
		x.unmarshal(m)
		if needsInit(m.Desc) {
			x.checkInit(m)
		}
		x.unmarshalJSON(m)
		return true
	})
	return nil
}

// id returns the qualified name of name in package path, importing it.
func (x *marshalGen) id(path protogen.GoImportPath, name string) string {
	return x.g.QualifiedGoIdent(path.Ident(name))
}

func (x *marshalGen) pw(name string) string { return x.id(protowirePkg, name) }
func (x *marshalGen) pf(name string) string { return x.id(protofastPkg, name) }

// isLocal reports whether m gets generated methods in this file.
func (x *marshalGen) isLocal(m *protogen.Message) bool { return x.local[m.Desc.FullName()] }

// sortedFields returns m's fields by number, the order proto writes them in.
func sortedFields(m *protogen.Message) []*protogen.Field {
	fs := slices.Clone(m.Fields)
	slices.SortFunc(fs, func(a, b *protogen.Field) int { return int(a.Desc.Number() - b.Desc.Number()) })
	return fs
}

// realOneof returns the oneof fd belongs to, nil for other fields and
// proto3 optional fields.
func realOneof(fd *protogen.Field) *protogen.Oneof {
	if fd.Oneof == nil || fd.Oneof.Desc.IsSynthetic() {
		return nil
	}
	return fd.Oneof
}

// wireType returns the wire type of one value of kind k.
func wireType(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// wireTypeName returns the protowire constant naming wire type t.
func (x *marshalGen) wireTypeName(t protowire.Type) string {
	switch t {
	case protowire.Fixed32Type:
		return x.pw("Fixed32Type")
	case protowire.Fixed64Type:
		return x.pw("Fixed64Type")
	case protowire.BytesType:
		return x.pw("BytesType")
	}
	return x.pw("VarintType")
}

// fixedSize returns 4 or 8 for the fixed-size kinds, 1 for bool, 0 for the
// others.
func fixedSize(k protoreflect.Kind) int {
	switch wireType(k) {
	case protowire.Fixed32Type:
		return 4
	case protowire.Fixed64Type:
		return 8
	}
	if k == protoreflect.BoolKind {
		return 1
	}
	return 0
}

// tagBytes returns the encoded tag of field num with wire type t, as Go
// byte literals.
func tagBytes(num protoreflect.FieldNumber, t protowire.Type) (lits string, n int) {
	b := protowire.AppendTag(nil, num, t)
	s := make([]string, len(b))
	for i, c := range b {
		s[i] = fmt.Sprintf("0x%02x", c)
	}
	return strings.Join(s, ", "), len(b)
}

// elemTag returns the tag of one element of fd (one entry of a map, one
// packed run, one value of the others), as byte literals and its size.
func elemTag(fd *protogen.Field) (string, int) {
	t := wireType(fd.Desc.Kind())
	if fd.Desc.IsList() && fd.Desc.IsPacked() || fd.Desc.IsMap() {
		t = protowire.BytesType
	}
	return tagBytes(fd.Desc.Number(), t)
}

// checksUTF8 reports whether strings of fd must be valid UTF-8 (proto3).
func checksUTF8(fd *protogen.Field) bool {
	return fd.Desc.Kind() == protoreflect.StringKind && fd.Desc.Syntax() == protoreflect.Proto3
}

// valueSize returns the expression of the encoded size, without tag, of
// value v of field fd (not a map or message field).
func (x *marshalGen) valueSize(fd *protogen.Field, v string) string {
	k := fd.Desc.Kind()
	if n := fixedSize(k); n > 0 {
		return fmt.Sprint(n)
	}
	switch k {
	case protoreflect.StringKind, protoreflect.BytesKind:
		return x.pw("SizeBytes") + "(len(" + v + "))"
	case protoreflect.Sint32Kind:
		return x.pw("SizeVarint") + "(" + x.pw("EncodeZigZag") + "(int64(" + v + ")))"
	case protoreflect.Sint64Kind:
		return x.pw("SizeVarint") + "(" + x.pw("EncodeZigZag") + "(" + v + "))"
	}
	return x.pw("SizeVarint") + "(uint64(" + v + "))"
}

// appendValue returns the expression appending value v of field fd (not a
// map or message field) to b, without its tag.
func (x *marshalGen) appendValue(fd *protogen.Field, v string) string {
	switch fd.Desc.Kind() {
	case protoreflect.BoolKind:
		return x.pf("AppendVarint") + "(b, " + x.pw("EncodeBool") + "(" + v + "))"
	case protoreflect.Sint32Kind:
		return x.pf("AppendVarint") + "(b, " + x.pw("EncodeZigZag") + "(int64(" + v + ")))"
	case protoreflect.Sint64Kind:
		return x.pf("AppendVarint") + "(b, " + x.pw("EncodeZigZag") + "(" + v + "))"
	case protoreflect.Fixed32Kind:
		return x.pw("AppendFixed32") + "(b, " + v + ")"
	case protoreflect.Sfixed32Kind:
		return x.pw("AppendFixed32") + "(b, uint32(" + v + "))"
	case protoreflect.FloatKind:
		return x.pw("AppendFixed32") + "(b, " + x.id(mathPkg, "Float32bits") + "(" + v + "))"
	case protoreflect.Fixed64Kind:
		return x.pw("AppendFixed64") + "(b, " + v + ")"
	case protoreflect.Sfixed64Kind:
		return x.pw("AppendFixed64") + "(b, uint64(" + v + "))"
	case protoreflect.DoubleKind:
		return x.pw("AppendFixed64") + "(b, " + x.id(mathPkg, "Float64bits") + "(" + v + "))"
	case protoreflect.StringKind:
		return x.pf("AppendString") + "(b, " + v + ")"
	case protoreflect.BytesKind:
		return x.pf("AppendBytes") + "(b, " + v + ")"
	}
	return x.pf("AppendVarint") + "(b, uint64(" + v + "))"
}

// nonZero returns the condition under which proto3 writes value v of a
// field without presence: not zero, or negative zero for floats.
func (x *marshalGen) nonZero(fd *protogen.Field, v string) string {
	switch fd.Desc.Kind() {
	case protoreflect.BoolKind:
		return v
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "len(" + v + ") > 0"
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return v + " != 0 || " + x.id(mathPkg, "Signbit") + "(float64(" + v + "))"
	}
	return v + " != 0"
}

package main

import (
	"strconv"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// jsonPkg is encoding/json, which the generated UnmarshalJSON methods call.
const jsonPkg = protogen.GoImportPath("encoding/json")

// unmarshalJSON writes an UnmarshalJSON method for a message with a oneof.
// encoding/json writes a oneof as {"Member": value} under the oneof's Go
// name, as the json codec and the http format carry it, but it cannot
// decode one: the field is an interface. The method decodes the other
// fields as encoding/json does, through a local type without the method,
// and each oneof through a struct holding a pointer per member, shadowing
// the interface field.
func (x *marshalGen) unmarshalJSON(m *protogen.Message) {
	var oneofs []*protogen.Oneof
	for _, o := range m.Oneofs {
		if !o.Desc.IsSynthetic() {
			oneofs = append(oneofs, o)
		}
	}
	if len(oneofs) == 0 {
		return
	}
	g := x.g
	name := m.GoIdent.GoName
	g.P("// UnmarshalJSON decodes m from JSON as encoding/json writes it, oneofs")
	g.P("// included: encoding/json writes a oneof as {\"Member\": value} under the")
	g.P("// oneof's Go name, but cannot decode one by itself. A oneof with more than")
	g.P("// one member set is refused.")
	g.P("func (m *", name, ") UnmarshalJSON(b []byte) error {")
	g.P("type plain ", name)
	g.P("var aux struct {")
	g.P("*plain")
	for _, o := range oneofs {
		g.P(o.GoName, " *struct {")
		for _, f := range o.Fields {
			if f.Desc.Kind() == protoreflect.MessageKind {
				g.P(f.GoName, " *", f.Message.GoIdent)
			} else {
				g.P(f.GoName, " *", x.goType(f))
			}
		}
		g.P("}")
	}
	g.P("}")
	g.P("aux.plain = (*plain)(m)")
	g.P("if err := ", x.id(jsonPkg, "Unmarshal"), "(b, &aux); err != nil {")
	g.P("return err")
	g.P("}")
	for _, o := range oneofs {
		g.P("if o := aux.", o.GoName, "; o != nil {")
		g.P("n := 0")
		for _, f := range o.Fields {
			v := "*o." + f.GoName
			if f.Desc.Kind() == protoreflect.MessageKind {
				v = "o." + f.GoName
			}
			g.P("if o.", f.GoName, " != nil {")
			g.P("n++")
			g.P("m.", o.GoName, " = &", f.GoIdent, "{", f.GoName, ": ", v, "}")
			g.P("}")
		}
		g.P("if n > 1 {")
		g.P("return ", x.pf("OneofConflict"), "(", strconv.Quote(string(o.Desc.FullName())), ")")
		g.P("}")
		g.P("}")
	}
	g.P("return nil")
	g.P("}")
	g.P()
}

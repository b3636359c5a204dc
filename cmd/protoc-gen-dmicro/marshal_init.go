package main

import (
	"strconv"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// needsInit reports whether a message of type md can lack a required
// field: md or a message it holds, at any depth, has one. proto.Marshal
// and proto.Unmarshal fail on such a message unless every required field
// is set; so do the generated methods.
func needsInit(md protoreflect.MessageDescriptor) bool {
	return needsInitSeen(md, map[protoreflect.FullName]bool{})
}

func needsInitSeen(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if seen[md.FullName()] {
		return false // already being looked at, higher up
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Cardinality() == protoreflect.Required {
			return true
		}
		if fd.IsMap() {
			fd = fd.MapValue()
		}
		if fd.Kind() == protoreflect.MessageKind && needsInitSeen(fd.Message(), seen) {
			return true
		}
	}
	return false
}

// checkInit writes dmicroCheckInit for a message that needsInit: it
// returns an error naming the first required field not set in m or in
// the messages m holds.
func (x *marshalGen) checkInit(m *protogen.Message) {
	g := x.g
	g.P("// dmicroCheckInit reports a required field not set in m or the messages it holds.")
	g.P("func (m *", m.GoIdent.GoName, ") dmicroCheckInit() error {")
	g.P("if m == nil { return nil }")
	for _, fd := range m.Fields {
		if fd.Desc.Cardinality() == protoreflect.Required {
			g.P("if m.", fd.GoName, " == nil { return ", x.pf("RequiredNotSet"), "(", strconv.Quote(string(fd.Desc.FullName())), ") }")
		}
	}
	for _, fd := range m.Fields {
		msg := fd.Message
		if fd.Desc.IsMap() {
			msg = mapValue(fd).Message
		}
		if msg == nil || !needsInit(msg.Desc) {
			continue
		}
		f := "m." + fd.GoName
		switch {
		case fd.Desc.IsMap() || fd.Desc.IsList():
			g.P("for _, v := range ", f, " {")
			x.checkNested(msg, "v")
			g.P("}")
		case realOneof(fd) != nil:
			g.P("if x, ok := m.", fd.Oneof.GoName, ".(*", fd.GoIdent, "); ok && x != nil {")
			x.checkNested(msg, "x."+fd.GoName)
			g.P("}")
		default:
			x.checkNested(msg, f)
		}
	}
	g.P("return nil")
	g.P("}")
	g.P()
}

// checkNested writes the check of message v of type msg.
func (x *marshalGen) checkNested(msg *protogen.Message, v string) {
	if x.isLocal(msg) {
		x.g.P("if err := ", v, ".dmicroCheckInit(); err != nil { return err }")
		return
	}
	x.g.P("if err := ", x.pf("CheckInitialized"), "(", v, "); err != nil { return err }")
}

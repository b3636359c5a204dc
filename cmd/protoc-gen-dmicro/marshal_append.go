package main

import (
	"strconv"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// marshal writes DmicroMarshalAppend, which sizes m once (caching nested
// sizes), grows b and appends, and dmicroAppend, which appends m's fields
// in proto.Marshal's order: the fields outside oneofs by number, then the
// oneofs in declaration order, then the unknown fields.
func (x *marshalGen) marshal(m *protogen.Message) {
	g := x.g
	name := m.GoIdent.GoName
	g.P("// DmicroMarshalAppend appends the protobuf encoding of m to b. The")
	g.P("// output is the same as proto.MarshalOptions{Deterministic: true}'s.")
	g.P("func (m *", name, ") DmicroMarshalAppend(b []byte) ([]byte, error) {")
	g.P("if m == nil { return b, nil }")
	if needsInit(m.Desc) {
		g.P("if err := m.dmicroCheckInit(); err != nil { return b, err }")
	}
	g.P("n := m.DmicroSize()")
	g.P("if n > ", x.pf("MaxSize"), " { return b, ", x.pf("ErrTooLarge"), " }")
	g.P("return m.dmicroAppend(", x.id(slicesPkg, "Grow"), "(b, n))")
	g.P("}")
	g.P()
	g.P("// dmicroAppend appends m's encoding to b, using the sizes DmicroSize cached.")
	g.P("func (m *", name, ") dmicroAppend(b []byte) ([]byte, error) {")
	g.P("if m == nil { return b, nil }")
	if needsErr(m) {
		g.P("var err error")
	}
	for _, fd := range sortedFields(m) {
		if realOneof(fd) == nil {
			x.fieldAppend(fd)
		}
	}
	for _, o := range m.Oneofs {
		if o.Desc.IsSynthetic() {
			continue
		}
		g.P("switch x := m.", o.GoName, ".(type) {")
		for _, fd := range o.Fields {
			g.P("case *", fd.GoIdent, ":")
			g.P("if x != nil {")
			x.oneAppend(fd, "x."+fd.GoName)
			g.P("}")
		}
		g.P("}")
	}
	g.P("return append(b, m.unknownFields...), nil")
	g.P("}")
	g.P()
}

// needsErr reports whether dmicroAppend of m calls something that can
// fail: a nested message.
func needsErr(m *protogen.Message) bool {
	for _, fd := range m.Fields {
		if fd.Desc.Kind() == protoreflect.MessageKind && (!fd.Desc.IsMap() || mapValue(fd).Desc.Kind() == protoreflect.MessageKind) {
			return true
		}
	}
	return false
}

// utf8Check writes the check that string v of fd is valid UTF-8, where
// proto3 requires it.
func (x *marshalGen) utf8Check(fd *protogen.Field, v string) {
	if checksUTF8(fd) {
		x.g.P("if !", x.pf("ValidString"), "(", v, ") { return b, ", x.pf("InvalidUTF8"), "(", strconv.Quote(string(fd.Desc.FullName())), ") }")
	}
}

// appendMessage writes the code appending message v of type msg, length
// prefixed, without its tag.
func (x *marshalGen) appendMessage(msg *protogen.Message, v string) {
	g := x.g
	if x.isLocal(msg) {
		g.P("b = ", x.pf("AppendVarint"), "(b, uint64(", v, ".dmicroCachedSize()))")
		g.P("if b, err = ", v, ".dmicroAppend(b); err != nil { return b, err }")
		return
	}
	g.P("if b, err = ", x.pf("AppendMessage"), "(b, ", v, "); err != nil { return b, err }")
}

// oneAppend writes the code appending value v of fd with its tag.
func (x *marshalGen) oneAppend(fd *protogen.Field, v string) {
	g := x.g
	tag, _ := elemTag(fd)
	if fd.Desc.Kind() == protoreflect.MessageKind {
		g.P("b = append(b, ", tag, ")")
		x.appendMessage(fd.Message, v)
		return
	}
	x.utf8Check(fd, v)
	g.P("b = append(b, ", tag, ")")
	g.P("b = ", x.appendValue(fd, v))
}

// fieldAppend writes the code appending field fd (not in a oneof).
func (x *marshalGen) fieldAppend(fd *protogen.Field) {
	g := x.g
	f := "m." + fd.GoName
	d := fd.Desc
	switch {
	case d.IsMap():
		x.mapAppend(fd, f)
	case d.IsList() && d.IsPacked():
		tag, _ := elemTag(fd)
		g.P("if len(", f, ") > 0 {")
		g.P(x.packedSize(fd, f))
		g.P("b = append(b, ", tag, ")")
		g.P("b = ", x.pf("AppendVarint"), "(b, uint64(l))")
		g.P("for _, v := range ", f, " {")
		g.P("b = ", x.appendValue(fd, "v"))
		g.P("}")
		g.P("}")
	case d.IsList():
		g.P("for _, v := range ", f, " {")
		x.oneAppend(fd, "v")
		g.P("}")
	case d.Kind() == protoreflect.MessageKind || d.Kind() == protoreflect.BytesKind && d.HasPresence():
		g.P("if ", f, " != nil {")
		x.oneAppend(fd, f)
		g.P("}")
	case d.HasPresence():
		g.P("if ", f, " != nil {")
		x.oneAppend(fd, "*"+f)
		g.P("}")
	default:
		g.P("if ", x.nonZero(fd, f), " {")
		x.oneAppend(fd, f)
		g.P("}")
	}
}

// mapAppend writes the code appending the entries of map field f, sorted
// by key.
func (x *marshalGen) mapAppend(fd *protogen.Field, f string) {
	g := x.g
	tag, _ := elemTag(fd)
	k, v := fd.Message.Fields[0], fd.Message.Fields[1]
	if k.Desc.Kind() == protoreflect.BoolKind {
		g.P("for _, k := range [...]bool{false, true} {")
		g.P("v, ok := ", f, "[k]")
		g.P("if !ok { continue }")
	} else {
		g.P("for _, k := range ", x.pf("SortedKeys"), "(", f, ") {")
		g.P("v := ", f, "[k]")
	}
	x.utf8Check(k, "k")
	msg := v.Desc.Kind() == protoreflect.MessageKind
	if !msg {
		x.utf8Check(v, "v")
	}
	g.P("b = append(b, ", tag, ")")
	switch {
	case !msg:
		g.P("b = ", x.pf("AppendVarint"), "(b, uint64(2 + ", x.valueSize(k, "k"), " + ", x.valueSize(v, "v"), "))")
	case x.isLocal(v.Message):
		g.P("b = ", x.pf("AppendVarint"), "(b, uint64(2 + ", x.valueSize(k, "k"), " + ", x.pw("SizeBytes"), "(v.dmicroCachedSize())))")
	default:
		g.P("b = ", x.pf("AppendVarint"), "(b, uint64(2 + ", x.valueSize(k, "k"), " + ", x.pw("SizeBytes"), "(", x.pf("CachedSize"), "(v))))")
	}
	kt, _ := tagBytes(1, wireType(k.Desc.Kind()))
	vt, _ := tagBytes(2, wireType(v.Desc.Kind()))
	g.P("b = append(b, ", kt, ")")
	g.P("b = ", x.appendValue(k, "k"))
	g.P("b = append(b, ", vt, ")")
	if msg {
		x.appendMessage(v.Message, "v")
	} else {
		g.P("b = ", x.appendValue(v, mapFloat(v, "v")))
	}
	g.P("}")
}

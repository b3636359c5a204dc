package main

import (
	"fmt"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// size writes DmicroSize, which computes m's encoded size and caches it in
// m's sizeCache (as proto.Size does), and dmicroCachedSize, which reads it
// back while marshalling.
func (x *marshalGen) size(m *protogen.Message) {
	g := x.g
	name := m.GoIdent.GoName
	g.P("// DmicroSize returns the size of m's protobuf encoding. It caches the size")
	g.P("// of m and of its nested messages for DmicroMarshalAppend.")
	g.P("func (m *", name, ") DmicroSize() int {")
	g.P("if m == nil { return 0 }")
	g.P("n := 0")
	seen := map[*protogen.Oneof]bool{}
	for _, fd := range m.Fields {
		if o := realOneof(fd); o != nil {
			if !seen[o] {
				seen[o] = true
				x.oneofSize(o)
			}
			continue
		}
		x.fieldSize(fd)
	}
	g.P("n += len(m.unknownFields)")
	g.P("if n <= ", x.pf("MaxSize"), " {")
	g.P(x.id(atomicPkg, "StoreInt32"), "(&m.sizeCache, int32(n))")
	g.P("}")
	g.P("return n")
	g.P("}")
	g.P()
	g.P("// dmicroCachedSize returns the size DmicroSize last cached in m.")
	g.P("func (m *", name, ") dmicroCachedSize() int {")
	g.P("if m == nil { return 0 }")
	g.P("return int(", x.id(atomicPkg, "LoadInt32"), "(&m.sizeCache))")
	g.P("}")
	g.P()
}

// messageSize returns the expression of the size of message v of type
// msg, computing and caching it.
func (x *marshalGen) messageSize(msg *protogen.Message, v string) string {
	if x.isLocal(msg) {
		return v + ".DmicroSize()"
	}
	return x.pf("Size") + "(" + v + ")"
}

// oneSize returns the statement adding the size of value v of fd, tag
// included, to n.
func (x *marshalGen) oneSize(fd *protogen.Field, v string) string {
	_, t := elemTag(fd)
	if fd.Desc.Kind() == protoreflect.MessageKind {
		return fmt.Sprintf("n += %d + %s(%s)", t, x.pw("SizeBytes"), x.messageSize(fd.Message, v))
	}
	return fmt.Sprintf("n += %d + %s", t, x.valueSize(fd, v))
}

// fieldSize writes the code adding the size of field fd (not in a oneof)
// to n.
func (x *marshalGen) fieldSize(fd *protogen.Field) {
	g := x.g
	f := "m." + fd.GoName
	_, t := elemTag(fd)
	d := fd.Desc
	switch {
	case d.IsMap():
		k, v := fd.Message.Fields[0], fd.Message.Fields[1]
		kn, vn := "k", "v"
		if fixedSize(k.Desc.Kind()) > 0 {
			kn = "_"
		}
		if fixedSize(v.Desc.Kind()) > 0 {
			vn = "_"
		}
		if kn == "_" && vn == "_" {
			g.P("for range ", f, " {")
		} else {
			g.P("for ", kn, ", ", vn, " := range ", f, " {")
		}
		if v.Desc.Kind() == protoreflect.MessageKind {
			g.P("l := 2 + ", x.valueSize(k, "k"), " + ", x.pw("SizeBytes"), "(", x.messageSize(v.Message, "v"), ")")
		} else {
			g.P("l := 2 + ", x.valueSize(k, "k"), " + ", x.valueSize(v, "v"))
		}
		g.P("n += ", t, " + ", x.pw("SizeBytes"), "(l)")
		g.P("}")
	case d.IsList() && d.IsPacked():
		g.P("if len(", f, ") > 0 {")
		g.P(x.packedSize(fd, f))
		g.P("n += ", t, " + ", x.pw("SizeBytes"), "(l)")
		g.P("}")
	case d.IsList() && fixedSize(d.Kind()) > 0:
		g.P("n += len(", f, ") * ", t+fixedSize(d.Kind()))
	case d.IsList():
		g.P("for _, v := range ", f, " {")
		g.P(x.oneSize(fd, "v"))
		g.P("}")
	case d.Kind() == protoreflect.MessageKind || d.Kind() == protoreflect.BytesKind && d.HasPresence():
		g.P("if ", f, " != nil {")
		g.P(x.oneSize(fd, f))
		g.P("}")
	case d.HasPresence():
		g.P("if ", f, " != nil {")
		g.P(x.oneSize(fd, "*"+f))
		g.P("}")
	default:
		g.P("if ", x.nonZero(fd, f), " {")
		g.P(x.oneSize(fd, f))
		g.P("}")
	}
}

// packedSize returns the statements setting l to the size of the values
// of the packed field f, without tag and length.
func (x *marshalGen) packedSize(fd *protogen.Field, f string) string {
	if n := fixedSize(fd.Desc.Kind()); n > 0 {
		return fmt.Sprintf("l := len(%s) * %d", f, n)
	}
	return fmt.Sprintf("l := 0\nfor _, v := range %s {\nl += %s\n}", f, x.valueSize(fd, "v"))
}

// oneofSize writes the code adding the size of the member set in oneof o,
// if any, to n.
func (x *marshalGen) oneofSize(o *protogen.Oneof) {
	g := x.g
	g.P("switch x := m.", o.GoName, ".(type) {")
	for _, fd := range o.Fields {
		g.P("case *", fd.GoIdent, ":")
		g.P("if x != nil { // proto skips a nil member")
		g.P(x.oneSize(fd, "x."+fd.GoName))
		g.P("}")
	}
	g.P("}")
}

package main

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// unmarshal writes DmicroUnmarshal, which resets m, copies its input once
// and decodes it, and dmicroDecode, which decodes into m with proto's
// semantics, its strings and bytes aliasing the copy.
func (x *marshalGen) unmarshal(m *protogen.Message) {
	g := x.g
	name := m.GoIdent.GoName
	g.P("// DmicroUnmarshal resets m and decodes the protobuf encoding b into it,")
	g.P("// accepting and rejecting what proto.Unmarshal does. It copies b once;")
	g.P("// m's strings and bytes refer to that copy, never to b.")
	g.P("func (m *", name, ") DmicroUnmarshal(b []byte) error {")
	g.P("if m == nil { return ", x.pf("ErrNil"), " }")
	g.P("*m = ", name, "{}")
	init := needsInit(m.Desc)
	if init {
		// As proto.Unmarshal, look for required fields not set only when
		// decoding saw one missing.
		g.P("ok, err := m.dmicroDecode(", x.id(slicesPkg, "Clone"), "(b), ", x.pf("RecursionLimit"), ")")
		g.P("if err != nil || ok { return err }")
		g.P("return m.dmicroCheckInit()")
	} else {
		g.P("if len(b) == 0 { return nil }")
		g.P("return m.dmicroDecode(", x.id(slicesPkg, "Clone"), "(b), ", x.pf("RecursionLimit"), ")")
	}
	g.P("}")
	g.P()
	g.P("// dmicroDecode merges the encoding b, which m may keep referring to, into m")
	g.P("// with depth levels of nesting left.")
	x.fail = "return "
	required := map[*protogen.Field]uint{}
	if init {
		x.fail = "return false, "
		g.P("// It reports whether m's required fields were all seen and the messages")
		g.P("// decoded in it reported theirs, as proto.Unmarshal tracks them.")
		g.P("func (m *", name, ") dmicroDecode(b []byte, depth int) (bool, error) {")
		for _, fd := range m.Fields {
			if fd.Desc.Cardinality() == protoreflect.Required {
				required[fd] = uint(len(required))
			}
		}
		g.P("init := true")
		if len(required) > 0 {
			g.P("var seen uint64 // bits of the required fields decoded")
		}
	} else {
		g.P("func (m *", name, ") dmicroDecode(b []byte, depth int) error {")
	}
	g.P("if depth--; depth < 0 { ", x.fail, x.pf("ErrDepth"), " }")
	for _, fd := range m.Fields {
		if fd.Desc.IsList() && fd.Desc.Kind() == protoreflect.MessageKind && x.isLocal(fd.Message) {
			g.P("var slab", fd.Desc.Number(), " []", fd.Message.GoIdent, " // backs the elements of ", fd.GoName)
		}
	}
	g.P("for len(b) > 0 {")
	// Tags of one and two bytes are decoded here, not in a call: the
	// function is too large for the compiler to inline.
	g.P("var num ", x.pw("Number"))
	g.P("var wt ", x.pw("Type"))
	g.P("var n int")
	g.P("if c := b[0]; c >= 8 && c < 0x80 {")
	g.P("num, wt, n = ", x.pw("Number"), "(c>>3), ", x.pw("Type"), "(c&7), 1")
	g.P("} else if len(b) > 1 && c >= 0x80 && b[1] > 0 && b[1] < 0x80 {")
	g.P("v := uint64(c&0x7f) | uint64(b[1])<<7")
	g.P("num, wt, n = ", x.pw("Number"), "(v>>3), ", x.pw("Type"), "(v&7), 2")
	g.P("} else if num, wt, n = ", x.pf("ConsumeTag"), "(b); n < 0 {")
	g.P(x.fail, x.pf("ErrMalformed"))
	g.P("}")
	g.P("raw := b")
	g.P("b = b[n:]")
	if len(m.Fields) > 0 {
		g.P("switch num {")
		for _, fd := range sortedFields(m) {
			g.P("case ", fd.Desc.Number(), ":")
			x.seenBit = ""
			if bit, ok := required[fd]; ok {
				x.seenBit = fmt.Sprintf("seen |= 1 << %d", bit)
			}
			x.fieldDecode(fd)
		}
		g.P("}")
	}
	g.P("l := ", x.pf("SkipField"), "(num, wt, b)")
	g.P("if l < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
	g.P("m.unknownFields = ", x.pf("AppendUnknown"), "(m.unknownFields, raw[:n+l], n, num, wt)")
	g.P("b = b[l:]")
	g.P("}")
	switch {
	case len(required) > 0:
		g.P("return init && seen == ", fmt.Sprintf("%#x", uint64(1)<<len(required)-1), ", nil")
	case init:
		g.P("return init, nil")
	default:
		g.P("return nil")
	}
	g.P("}")
	g.P()
}

// next writes the end of a field decoded: its bit set if it is required,
// and continue.
func (x *marshalGen) next() {
	if x.seenBit != "" {
		x.g.P(x.seenBit)
	}
	x.g.P("continue")
}

// consume writes the code decoding one value of fd (not a message) from
// the slice src, then the statement set with %s replaced by the value,
// then advancing src. Names of the locals end in suffix.
func (x *marshalGen) consume(fd *protogen.Field, src, set, suffix string) {
	g := x.g
	v, n := "x"+suffix, "n"+suffix
	k := fd.Desc.Kind()
	var fn string
	switch wireType(k) {
	case protowire.Fixed32Type:
		fn = x.pw("ConsumeFixed32")
	case protowire.Fixed64Type:
		fn = x.pw("ConsumeFixed64")
	case protowire.BytesType:
		fn = x.pf("ConsumeBytes")
	default:
		fn = x.pf("ConsumeVarint")
	}
	switch wireType(k) {
	case protowire.BytesType:
		// A length under 128 is read here, not in a call (see the tags).
		g.P("var ", v, " []byte")
		g.P("var ", n, " int")
		g.P("if len(", src, ") > 0 && ", src, "[0] < 0x80 && int(", src, "[0]) < len(", src, ") {")
		g.P(n, " = int(", src, "[0]) + 1")
		g.P(v, " = ", src, "[1:", n, ":", n, "]")
		g.P("} else if ", v, ", ", n, " = ", fn, "(", src, "); ", n, " < 0 {")
		g.P(x.fail, x.pf("ErrMalformed"))
		g.P("}")
	case protowire.VarintType:
		g.P("var ", v, " uint64")
		g.P("var ", n, " int")
		g.P("if len(", src, ") > 0 && ", src, "[0] < 0x80 {")
		g.P(v, ", ", n, " = uint64(", src, "[0]), 1")
		g.P("} else if ", v, ", ", n, " = ", fn, "(", src, "); ", n, " < 0 {")
		g.P(x.fail, x.pf("ErrMalformed"))
		g.P("}")
	default:
		g.P(v, ", ", n, " := ", fn, "(", src, ")")
		g.P("if ", n, " < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
	}
	if checksUTF8(fd) {
		g.P("if !", x.pf("Valid"), "(", v, ") { ", x.fail, x.pf("InvalidUTF8"), "(", strconv.Quote(string(fd.Desc.FullName())), ") }")
	}
	g.P(fmt.Sprintf(set, x.convert(fd, v)))
	g.P(src, " = ", src, "[", n, ":]")
}

// convert returns the expression turning v, as a protowire Consume
// function returned it, into a value of fd's Go type.
func (x *marshalGen) convert(fd *protogen.Field, v string) string {
	switch fd.Desc.Kind() {
	case protoreflect.BoolKind:
		return v + " != 0"
	case protoreflect.EnumKind:
		return qual(x, fd.Enum.GoIdent) + "(" + v + ")"
	case protoreflect.Int32Kind, protoreflect.Sfixed32Kind:
		return "int32(" + v + ")"
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		return "int64(" + v + ")"
	case protoreflect.Uint32Kind:
		return "uint32(" + v + ")"
	case protoreflect.Sint32Kind:
		return "int32(" + x.pw("DecodeZigZag") + "(" + v + " & " + x.id(mathPkg, "MaxUint32") + "))"
	case protoreflect.Sint64Kind:
		return x.pw("DecodeZigZag") + "(" + v + ")"
	case protoreflect.FloatKind:
		return x.id(mathPkg, "Float32frombits") + "(" + v + ")"
	case protoreflect.DoubleKind:
		return x.id(mathPkg, "Float64frombits") + "(" + v + ")"
	case protoreflect.StringKind:
		return x.pf("String") + "(" + v + ")"
	}
	return v // uint64, fixed32, fixed64, bytes
}

// qual returns the qualified name of id, importing its package.
func qual(x *marshalGen, id protogen.GoIdent) string { return x.g.QualifiedGoIdent(id) }

// decodeMessage writes the code merging the encoding v into message dst
// of type msg, with depth levels left. When msg can lack required fields,
// onUninit, if not empty, runs when the nested decoding saw one missing
// and onInit when it did not.
func (x *marshalGen) decodeMessage(msg *protogen.Message, dst, v, depth, onUninit, onInit string) {
	g := x.g
	call := dst + ".dmicroDecode(" + v + ", " + depth + ")"
	if !x.isLocal(msg) {
		call = x.pf("Unmarshal") + "(" + v + ", " + dst + ", " + depth + ")"
	}
	if !needsInit(msg.Desc) {
		g.P("if err := ", call, "; err != nil { ", x.fail, "err }")
		return
	}
	if !x.isLocal(msg) {
		call = x.pf("UnmarshalPartial") + "(" + v + ", " + dst + ", " + depth + ")"
	}
	if onUninit == "" && onInit == "" {
		g.P("if _, err := ", call, "; err != nil { ", x.fail, "err }")
		return
	}
	g.P("if ok, err := ", call, "; err != nil {")
	g.P(x.fail, "err")
	switch {
	case onUninit != "":
		g.P("} else if !ok {")
		g.P(onUninit)
	case onInit != "":
		g.P("} else if ok {")
		g.P(onInit)
	}
	g.P("}")
}

// fieldDecode writes the case body decoding field fd: each accepted wire
// type ends in continue; the others fall through to the unknown fields,
// as proto.Unmarshal keeps a known field with an unexpected wire type.
func (x *marshalGen) fieldDecode(fd *protogen.Field) {
	g := x.g
	d := fd.Desc
	f := "m." + fd.GoName
	wt := x.wireTypeName(wireType(d.Kind()))
	bytesWT := x.wireTypeName(protowire.BytesType)
	switch {
	case d.IsMap():
		x.mapDecode(fd, f)
	case d.Kind() == protoreflect.MessageKind:
		g.P("if wt == ", bytesWT, " {")
		g.P("v, n := ", x.pf("ConsumeBytes"), "(b)")
		g.P("if n < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
		switch {
		case d.IsList() && x.isLocal(fd.Message):
			slab := fmt.Sprint("slab", d.Number())
			g.P("if len(", slab, ") == 0 {")
			g.P(slab, " = make([]", fd.Message.GoIdent, ", ", x.pf("CountField"), "(raw, ", d.Number(), ", ", x.wireTypeName(protowire.BytesType), "))")
			g.P("if ", f, " == nil { ", f, " = make([]*", fd.Message.GoIdent, ", 0, len(", slab, ")) }")
			g.P("}")
			g.P("e := &", slab, "[0]")
			g.P(slab, " = ", slab, "[1:]")
			x.decodeMessage(fd.Message, "e", "v", "depth", "init = false", "")
			g.P(f, " = append(", f, ", e)")
		case d.IsList():
			g.P("e := new(", fd.Message.GoIdent, ")")
			x.decodeMessage(fd.Message, "e", "v", "depth", "init = false", "")
			g.P(f, " = append(", f, ", e)")
		case realOneof(fd) != nil:
			o := "m." + fd.Oneof.GoName
			g.P("var e *", fd.Message.GoIdent)
			g.P("if o, ok := ", o, ".(*", fd.GoIdent, "); ok && o.", fd.GoName, " != nil {")
			g.P("e = o.", fd.GoName)
			g.P("} else {")
			g.P("e = new(", fd.Message.GoIdent, ")")
			g.P(o, " = &", fd.GoIdent, "{", fd.GoName, ": e}")
			g.P("}")
			// proto.Unmarshal tracks only the oneof's first member.
			if fd == fd.Oneof.Fields[0] {
				x.decodeMessage(fd.Message, "e", "v", "depth", "init = false", "")
			} else {
				x.decodeMessage(fd.Message, "e", "v", "depth", "", "")
			}
		default:
			g.P("if ", f, " == nil { ", f, " = new(", fd.Message.GoIdent, ") }")
			x.decodeMessage(fd.Message, f, "v", "depth", "init = false", "")
		}
		g.P("b = b[n:]")
		x.next()
		g.P("}")
	case d.IsList():
		if wireType(d.Kind()) != protowire.BytesType {
			x.packedDecode(fd, f)
		}
		g.P("if wt == ", wt, " {")
		g.P("if len(", f, ") == cap(", f, ") {")
		g.P(f, " = ", x.id(slicesPkg, "Grow"), "(", f, ", ", x.pf("CountField"), "(raw, ", d.Number(), ", ", wt, "))")
		g.P("}")
		x.consume(fd, "b", f+" = append("+f+", %s)", "")
		g.P("continue")
		g.P("}")
	default:
		g.P("if wt == ", wt, " {")
		switch {
		case realOneof(fd) != nil:
			x.consume(fd, "b", "m."+fd.Oneof.GoName+" = &"+qual(x, fd.GoIdent)+"{"+fd.GoName+": %s}", "")
		case d.HasPresence() && d.Kind() != protoreflect.BytesKind:
			x.consume(fd, "b", "v := %s\n"+f+" = &v", "")
		default:
			x.consume(fd, "b", f+" = %s", "")
		}
		x.next()
		g.P("}")
	}
}

// packedDecode writes the code decoding a packed run of the repeated
// scalar field f.
func (x *marshalGen) packedDecode(fd *protogen.Field, f string) {
	g := x.g
	g.P("if wt == ", x.wireTypeName(protowire.BytesType), " {")
	g.P("v, n := ", x.pf("ConsumeBytes"), "(b)")
	g.P("if n < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
	if s := fixedSize(fd.Desc.Kind()); s > 1 {
		g.P(f, " = ", x.id(slicesPkg, "Grow"), "(", f, ", len(v)/", s, ")")
	} else {
		g.P(f, " = ", x.id(slicesPkg, "Grow"), "(", f, ", ", x.pf("CountVarints"), "(v))")
	}
	g.P("for len(v) > 0 {")
	x.consume(fd, "v", f+" = append("+f+", %s)", "1")
	g.P("}")
	g.P("b = b[n:]")
	g.P("continue")
	g.P("}")
}

// mapDecode writes the code decoding one entry of map field f. As for
// proto.Unmarshal, an entry counts as a level of nesting, a missing key or
// value is the zero value (an empty message), a key or value seen twice is
// the last one (merged, for messages), and unknown fields in the entry are
// dropped.
func (x *marshalGen) mapDecode(fd *protogen.Field, f string) {
	g := x.g
	k, v := fd.Message.Fields[0], fd.Message.Fields[1]
	g.P("if depth < 1 { ", x.fail, x.pf("ErrDepth"), " }")
	g.P("if wt == ", x.wireTypeName(protowire.BytesType), " {")
	g.P("v, n := ", x.pf("ConsumeBytes"), "(b)")
	g.P("if n < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
	g.P("var key ", x.goType(k))
	msg := v.Desc.Kind() == protoreflect.MessageKind
	track := msg && needsInit(v.Message.Desc)
	if track {
		g.P("entryInit := false // a value seen with its required fields")
	}
	if msg {
		g.P("val := new(", v.Message.GoIdent, ")")
	} else {
		g.P("var val ", x.goType(v))
	}
	g.P("for len(v) > 0 {")
	g.P("num1, wt1, n1 := ", x.pf("ConsumeTag"), "(v)")
	g.P("if n1 < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
	g.P("v = v[n1:]")
	g.P("if num1 == 1 && wt1 == ", x.wireTypeName(wireType(k.Desc.Kind())), " {")
	x.consume(k, "v", "key = %s", "2")
	g.P("continue")
	g.P("}")
	g.P("if num1 == 2 && wt1 == ", x.wireTypeName(wireType(v.Desc.Kind())), " {")
	if msg {
		g.P("x2, n2 := ", x.pf("ConsumeBytes"), "(v)")
		g.P("if n2 < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
		x.decodeMessage(v.Message, "val", "x2", "depth-1", "", "entryInit = true")
		g.P("v = v[n2:]")
	} else {
		x.consume(v, "v", "val = "+mapFloat(v, "%s"), "2")
	}
	g.P("continue")
	g.P("}")
	g.P("l1 := ", x.pf("SkipField"), "(num1, wt1, v)")
	g.P("if l1 < 0 { ", x.fail, x.pf("ErrMalformed"), " }")
	g.P("v = v[l1:]")
	g.P("}")
	g.P("if ", f, " == nil { ", f, " = map[", x.goType(k), "]", x.mapValueType(v), "{} }")
	g.P(f, "[key] = val")
	if track {
		g.P("if !entryInit { init = false }")
	}
	g.P("b = b[n:]")
	g.P("continue")
	g.P("}")
}

// goType returns the Go type of one value of the scalar field fd.
func (x *marshalGen) goType(fd *protogen.Field) string {
	switch fd.Desc.Kind() {
	case protoreflect.BoolKind:
		return "bool"
	case protoreflect.EnumKind:
		return qual(x, fd.Enum.GoIdent)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return "int32"
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return "int64"
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return "uint32"
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "uint64"
	case protoreflect.FloatKind:
		return "float32"
	case protoreflect.DoubleKind:
		return "float64"
	case protoreflect.StringKind:
		return "string"
	}
	return "[]byte"
}

// mapValueType returns the Go type of the values of a map whose value
// field is fd.
func (x *marshalGen) mapValueType(fd *protogen.Field) string {
	if fd.Desc.Kind() == protoreflect.MessageKind {
		return "*" + qual(x, fd.Message.GoIdent)
	}
	return x.goType(fd)
}

// mapFloat returns v, a value of the map value field fd, as proto's maps
// hold it: a float goes through float64, as in a protoreflect.Value, which
// quiets a signalling NaN.
func mapFloat(fd *protogen.Field, v string) string {
	if fd.Desc.Kind() == protoreflect.FloatKind {
		return "float32(float64(" + v + "))"
	}
	return v
}

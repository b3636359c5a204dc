package main

import (
	"strconv"

	"google.golang.org/protobuf/compiler/protogen"
)

// The packages generated services use.
const (
	contextPackage = protogen.GoImportPath("context")
	rpcPackage     = protogen.GoImportPath("github.com/dmicro-go/dmicro/rpc")
)

// generateServices writes the typed client, the server interface and its
// registration of every service of f.
func generateServices(g *protogen.GeneratedFile, f *protogen.File) error {
	for _, s := range f.Services {
		sv, err := serviceOf(s)
		if err != nil {
			return err
		}
		w := serviceWriter{g: g, sv: sv}
		w.paths()
		w.client()
		w.server()
	}
	return nil
}

// serviceWriter writes the code of one service.
type serviceWriter struct {
	g  *protogen.GeneratedFile
	sv service
}

func (w serviceWriter) rpc(name string) string {
	return w.g.QualifiedGoIdent(rpcPackage.Ident(name))
}

// doc writes a doc comment: the .proto's lines, else def; then, for a
// deprecated element, a "Deprecated:" paragraph.
func (w serviceWriter) doc(lines []string, def string, deprecated bool) {
	if len(lines) == 0 {
		lines = []string{def}
	}
	for _, l := range lines {
		if l == "" {
			w.g.P("//")
		} else {
			w.g.P("// ", l)
		}
	}
	if deprecated {
		w.g.P("//")
		w.g.P("// Deprecated: the .proto marks it deprecated.")
	}
}

// serviceDoc writes the service's comment from the .proto, after a type's
// own first paragraph.
func (w serviceWriter) serviceDoc() {
	if len(w.sv.doc) > 0 {
		w.g.P("//")
		w.doc(w.sv.doc, "", false)
	}
	if w.sv.deprecated {
		w.g.P("//")
		w.g.P("// Deprecated: the .proto marks the service deprecated.")
	}
}

func (w serviceWriter) pathConst(m method) string { return w.sv.GoName + m.GoName + "Path" }

func (w serviceWriter) fullName(m method) string {
	return string(w.sv.Desc.Name()) + "." + string(m.Desc.Name())
}

// paths writes a constant per method holding its path.
func (w serviceWriter) paths() {
	g, name := w.g, w.sv.GoName
	g.P("// The paths of ", name, "'s methods: ", name, "Client calls them, and")
	g.P("// Register", name, "Server routes them under the router's prefix.")
	g.P("const (")
	for _, m := range w.sv.methods {
		w.doc(nil, w.pathConst(m)+" is the path of "+w.fullName(m)+".", m.deprecated)
		g.P(w.pathConst(m), " = ", strconv.Quote(m.path))
	}
	g.P(")")
	g.P()
}

// client writes the caller interface, the client type, its constructor and
// a method per method of the service.
func (w serviceWriter) client() {
	g, name := w.g, w.sv.GoName
	ctx, opt := g.QualifiedGoIdent(contextPackage.Ident("Context")), w.rpc("CallOption")
	caller, client := name+"Caller", name+"Client"

	g.P("// ", caller, " is what a ", client, " sends calls and pushes on: an")
	g.P("// *", w.rpc("Session"), ", or anything with the same Call and Push, such as a")
	g.P("// discovery/rpcdisc Client, which picks a node of the service per call.")
	g.P("type ", caller, " interface {")
	g.P("Call(ctx ", ctx, ", method string, arg, reply any, opts ...", opt, ") error")
	g.P("Push(ctx ", ctx, ", method string, arg any, opts ...", opt, ") error")
	g.P("}")
	g.P()

	g.P("// ", client, " is the client of ", w.sv.Desc.FullName(), ". It is safe for concurrent use.")
	w.serviceDoc()
	g.P("type ", client, " struct {")
	g.P("c    ", caller)
	g.P("opts []", opt)
	g.P("}")
	g.P()

	g.P("// New", client, " returns a client of ", name, " that calls on c. Its calls")
	g.P("// encode with the protobuf codec, then apply opts, then the options of each")
	g.P("// call: ", w.rpc("WithCodec"), `("json") in opts or in a call's options makes it send JSON.`)
	g.P("func New", client, "(c ", caller, ", opts ...", opt, ") *", client, " {")
	g.P("return &", client, "{c: c, opts: append([]", opt, "{", w.rpc("WithCodec"), `("protobuf")}, opts...)}`)
	g.P("}")
	g.P()

	g.P("// options returns the client's options followed by opts.")
	g.P("func (c *", client, ") options(opts []", opt, ") []", opt, " {")
	g.P("if len(opts) == 0 {")
	g.P("return c.opts")
	g.P("}")
	g.P("return append(c.opts[:len(c.opts):len(c.opts)], opts...)")
	g.P("}")
	g.P()

	for _, m := range w.sv.methods {
		if m.push {
			w.doc(m.doc, m.GoName+" pushes "+w.fullName(m)+": a one-way message, without an answer.", m.deprecated)
			g.P("func (c *", client, ") ", m.GoName, "(ctx ", ctx, ", in *", g.QualifiedGoIdent(m.Input.GoIdent), ", opts ...", opt, ") error {")
			g.P("return c.c.Push(ctx, ", w.pathConst(m), ", in, c.options(opts)...)")
			g.P("}")
			g.P()
			continue
		}
		out := g.QualifiedGoIdent(m.Output.GoIdent)
		w.doc(m.doc, m.GoName+" calls "+w.fullName(m)+".", m.deprecated)
		g.P("func (c *", client, ") ", m.GoName, "(ctx ", ctx, ", in *", g.QualifiedGoIdent(m.Input.GoIdent), ", opts ...", opt, ") (*", out, ", error) {")
		g.P("out := new(", out, ")")
		g.P("if err := c.c.Call(ctx, ", w.pathConst(m), ", in, out, c.options(opts)...); err != nil {")
		g.P("return nil, err")
		g.P("}")
		g.P("return out, nil")
		g.P("}")
		g.P()
	}
}

// server writes the server interface and its registration.
func (w serviceWriter) server() {
	g, name := w.g, w.sv.GoName
	server := name + "Server"

	g.P("// ", server, " is the server side of ", w.sv.Desc.FullName(), "; Register", server)
	g.P("// routes its methods. A call's handler gets the call's *", w.rpc("CallCtx"), " (its")
	g.P("// context, metadata and session) and returns the reply or an error, an")
	g.P("// *", w.rpc("Status"), " for a code of its choice; a nil reply with a nil error is")
	g.P("// sent as an empty message. A push's handler gets the *", w.rpc("PushCtx"), ".")
	g.P("// Handlers run concurrently.")
	w.serviceDoc()
	g.P("type ", server, " interface {")
	for _, m := range w.sv.methods {
		in := g.QualifiedGoIdent(m.Input.GoIdent)
		if m.push {
			w.doc(m.doc, m.GoName+" handles the pushes of "+w.fullName(m)+".", m.deprecated)
			g.P(m.GoName, "(ctx *", w.rpc("PushCtx"), ", in *", in, ") error")
			continue
		}
		w.doc(m.doc, m.GoName+" handles the calls of "+w.fullName(m)+".", m.deprecated)
		g.P(m.GoName, "(ctx *", w.rpc("CallCtx"), ", in *", in, ") (*", g.QualifiedGoIdent(m.Output.GoIdent), ", error)")
	}
	g.P("}")
	g.P()

	g.P("// Register", server, " routes the methods of ", name, " on r to impl, each at its")
	g.P("// path (", name, "...Path) under r's prefix, with the plugins given. No reflection")
	g.P("// runs per call. It returns the first error of ", w.rpc("Router"), ".HandleCall or HandlePush;")
	g.P("// the routes registered before it stay.")
	g.P("func Register", server, "(r *", w.rpc("Router"), ", impl ", server, ", plugins ...", w.rpc("Plugin"), ") error {")
	for _, m := range w.sv.methods {
		in := g.QualifiedGoIdent(m.Input.GoIdent)
		if m.push {
			g.P("if err := r.HandlePush(", w.pathConst(m), ", ", w.rpc("PushFunc"), "(impl.", m.GoName, "), plugins...); err != nil {")
			g.P("return err")
			g.P("}")
			continue
		}
		out := g.QualifiedGoIdent(m.Output.GoIdent)
		g.P("if err := r.HandleCall(", w.pathConst(m), ", ", w.rpc("CallFunc"), "(func(ctx *", w.rpc("CallCtx"), ", in *", in, ") (*", out, ", error) {")
		g.P("out, err := impl.", m.GoName, "(ctx, in)")
		g.P("if out == nil && err == nil {")
		g.P("out = new(", out, ")")
		g.P("}")
		g.P("return out, err")
		g.P("}), plugins...); err != nil {")
		g.P("return err")
		g.P("}")
	}
	g.P("return nil")
	g.P("}")
	g.P()
}

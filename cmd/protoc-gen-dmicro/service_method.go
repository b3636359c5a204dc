package main

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Errors the generator gives for a service it cannot generate. protoc
// prints them after the file, service and method they concern.
var (
	errStreaming = errors.New("streaming methods are not supported (dmicro calls are unary; use pushes for one-way messages)")
	errDirective = errors.New("bad dmicro directive")
	errPushReply = errors.New("a push (dmicro:push) must return google.protobuf.Empty")
	errDupPath   = errors.New("two methods have the same path")
)

// directivePrefix starts a line of a leading comment that tells the
// generator something instead of documenting the method.
const directivePrefix = "dmicro:"

// emptyName is the message a push returns in the .proto.
const emptyName = "google.protobuf.Empty"

// method is what the generator needs of one method of a service: its
// routed path, its kind and its documentation.
type method struct {
	*protogen.Method
	path       string   // the routed path, "/math/add"
	push       bool     // a one-way message (dmicro:push)
	doc        []string // the leading comment's lines, directives removed
	deprecated bool
}

// service is one service of a .proto file with its methods checked.
type service struct {
	*protogen.Service
	methods    []method
	doc        []string
	deprecated bool
}

// serviceOf checks the methods of s and works out their paths.
func serviceOf(s *protogen.Service) (service, error) {
	sv := service{Service: s, doc: commentLines(s.Comments.Leading)}
	if o, ok := s.Desc.Options().(*descriptorpb.ServiceOptions); ok {
		sv.deprecated = o.GetDeprecated()
	}
	if d := directives(sv.doc); len(d) > 0 {
		return sv, fmt.Errorf("service %s: %w: %q: directives go on methods", s.Desc.Name(), errDirective, d[0])
	}
	seen := make(map[string]string)
	for _, m := range s.Methods {
		md, err := methodOf(s, m)
		if err != nil {
			return sv, fmt.Errorf("service %s: method %s: %w", s.Desc.Name(), m.Desc.Name(), err)
		}
		if other, ok := seen[md.path]; ok {
			return sv, fmt.Errorf("service %s: methods %s and %s: %w %s", s.Desc.Name(), other, m.Desc.Name(), errDupPath, md.path)
		}
		seen[md.path] = string(m.Desc.Name())
		sv.methods = append(sv.methods, md)
	}
	return sv, nil
}

// methodOf reads the directives of m's leading comment:
//
//	dmicro:push          the method is a push: the client's method sends it
//	                     with Session.Push and returns only an error; the
//	                     .proto method must return google.protobuf.Empty
//	dmicro:path=/a/b     the method is routed at /a/b instead of the path
//	                     rpc's naming rule gives
func methodOf(s *protogen.Service, m *protogen.Method) (method, error) {
	if m.Desc.IsStreamingClient() || m.Desc.IsStreamingServer() {
		return method{}, errStreaming
	}
	md := method{Method: m, path: routePath(s.GoName, m.GoName)}
	if o, ok := m.Desc.Options().(*descriptorpb.MethodOptions); ok {
		md.deprecated = o.GetDeprecated()
	}
	for _, line := range commentLines(m.Comments.Leading) {
		d, ok := strings.CutPrefix(line, directivePrefix)
		if !ok {
			md.doc = append(md.doc, line)
			continue
		}
		switch name, arg, hasArg := strings.Cut(d, "="); {
		case name == "push" && !hasArg:
			md.push = true
		case name == "path" && hasArg:
			if err := checkPath(arg); err != nil {
				return md, fmt.Errorf("%w %q: %w", errDirective, line, err)
			}
			md.path = arg
		default:
			return md, fmt.Errorf("%w %q: want dmicro:push or dmicro:path=/a/b", errDirective, line)
		}
	}
	if md.push && m.Output.Desc.FullName() != emptyName {
		return md, fmt.Errorf("%w, not %s", errPushReply, m.Output.Desc.FullName())
	}
	md.doc = trimBlank(md.doc)
	return md, nil
}

// checkPath accepts a path of one or more segments, "/a" or "/a/b_c", of
// the characters a path segment may hold unescaped (RFC 3986).
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return errors.New("a path starts with / and has no empty segment")
	}
	for _, c := range p {
		ok := c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/-._~!$&'()*+,;=:@", c))
		if !ok {
			return fmt.Errorf("%q may not appear in a path", c)
		}
	}
	return nil
}

// directives returns the directive lines of doc.
func directives(doc []string) []string {
	var d []string
	for _, line := range doc {
		if strings.HasPrefix(line, directivePrefix) {
			d = append(d, line)
		}
	}
	return d
}

// commentLines splits a .proto comment into lines without the one space
// that usually follows "//", and without leading and trailing blank lines.
func commentLines(c protogen.Comments) []string {
	s := strings.TrimSuffix(string(c), "\n")
	if strings.TrimSpace(s) == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		lines[i] = strings.TrimPrefix(l, " ")
	}
	return trimBlank(lines)
}

// trimBlank drops the blank lines at either end of lines.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// routePath is the path rpc's Router.RouteCall gives the method named
// method of a struct named svc: "/" + segment(svc) + "/" + segment(method).
func routePath(svc, method string) string {
	return "/" + goNamePath(svc) + "/" + goNamePath(method)
}

// goNamePath applies rpc's naming rule (rpc/naming.go) to a Go name:
// CamelCase becomes snake_case, words breaking where a lower-case letter or
// digit meets an upper-case one and before the last upper-case letter of a
// run that a lower-case one follows ("GetHTTPStatus" → "get_http_status");
// "_" separates path segments and "__" stands for one literal "_". The
// tests check the rule against the router's own registration.
func goNamePath(name string) string {
	var out []rune
	for i, part := range strings.Split(name, "__") {
		if i > 0 {
			out = append(out, '_')
		}
		for j, seg := range strings.Split(part, "_") {
			if j > 0 {
				out = append(out, '/')
			}
			out = appendSnake(out, []rune(seg))
		}
	}
	return string(out)
}

// appendSnake appends the snake_case form of word to out.
func appendSnake(out, word []rune) []rune {
	for i, c := range word {
		if i > 0 && unicode.IsUpper(c) {
			prev := word[i-1]
			wordStart := unicode.IsLower(prev) || unicode.IsDigit(prev)
			acronymEnd := unicode.IsUpper(prev) && i+1 < len(word) && unicode.IsLower(word[i+1])
			if wordStart || acronymEnd {
				out = append(out, '_')
			}
		}
		out = append(out, unicode.ToLower(c))
	}
	return out
}

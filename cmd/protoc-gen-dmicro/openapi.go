package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
)

// The OpenAPI document: its types marshal with encoding/json in the order
// of their fields, and its maps with sorted keys, so that the same .proto
// files always give the same bytes.
type (
	document struct {
		OpenAPI    string               `json:"openapi"`
		Info       info                 `json:"info"`
		Servers    []server             `json:"servers"`
		Security   []struct{}           `json:"security"`
		Tags       []tag                `json:"tags,omitempty"`
		Paths      map[string]*pathItem `json:"paths"`
		Components components           `json:"components"`
	}
	info struct {
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
		Version     string `json:"version"`
	}
	server struct {
		URL         string `json:"url"`
		Description string `json:"description,omitempty"`
	}
	tag struct {
		Name        string `json:"name"`
		Description string `json:"description,omitempty"`
	}
	pathItem struct {
		Post *operation `json:"post"`
	}
	operation struct {
		Tags        []string             `json:"tags"`
		Summary     string               `json:"summary,omitempty"`
		Description string               `json:"description,omitempty"`
		OperationID string               `json:"operationId"`
		Deprecated  bool                 `json:"deprecated,omitempty"`
		Parameters  []*parameter         `json:"parameters,omitempty"`
		RequestBody *requestBody         `json:"requestBody"`
		Responses   map[string]*response `json:"responses"`
	}
	parameter struct {
		Ref         string  `json:"$ref,omitempty"`
		Name        string  `json:"name,omitempty"`
		In          string  `json:"in,omitempty"`
		Description string  `json:"description,omitempty"`
		Required    bool    `json:"required,omitempty"`
		Schema      *schema `json:"schema,omitempty"`
	}
	requestBody struct {
		Description string                `json:"description,omitempty"`
		Required    bool                  `json:"required"`
		Content     map[string]*mediaType `json:"content"`
	}
	mediaType struct {
		Schema *schema `json:"schema"`
	}
	response struct {
		Ref         string                `json:"$ref,omitempty"`
		Description string                `json:"description,omitempty"`
		Headers     map[string]*header    `json:"headers,omitempty"`
		Content     map[string]*mediaType `json:"content,omitempty"`
	}
	header struct {
		Ref         string  `json:"$ref,omitempty"`
		Description string  `json:"description,omitempty"`
		Schema      *schema `json:"schema,omitempty"`
	}
	components struct {
		Schemas    map[string]*schema    `json:"schemas"`
		Responses  map[string]*response  `json:"responses"`
		Parameters map[string]*parameter `json:"parameters"`
		Headers    map[string]*header    `json:"headers"`
	}
)

const (
	jsonType    = "application/json"
	errorSchema = "dmicro.rpc.Error"
)

// errorStatus is an HTTP status the http format answers a failed call
// with (rpc/wire/http/FORMAT.md, "The response" and "Refused requests").
type errorStatus struct {
	status, name, description string
}

// errorStatuses lists the statuses every operation may be answered with.
func errorStatuses() []errorStatus {
	return []errorStatus{
		{"400", "BadRequest", "The request was malformed (rpc code 4), its body could not be decoded (6), the handler refused its argument (16), or the handler failed with an application's code (1000 and up)."},
		{"401", "Unauthorized", "The caller is not allowed to call the method (rpc code 11)."},
		{"404", "NotFound", "No handler serves the path (rpc code 5)."},
		{"413", "TooLarge", "The body is over the size limit (rpc code 7)."},
		{"415", "UnsupportedMediaType", "The Content-Type names no codec the server has (rpc code 6)."},
		{"431", "MetadataTooLarge", "The Rpc-Meta-* headers or the head are over their limits (rpc code 7)."},
		{"499", "Canceled", "The caller canceled the call (rpc code 2)."},
		{"500", "Internal", "The handler failed (rpc code 14 or 1) or panicked (12)."},
		{"502", "BadGateway", "A connection the call depended on closed or could not be made (rpc codes 8, 9, 10)."},
		{"503", "Unavailable", "The server is overloaded (rpc code 13) or the service is unavailable (15); the call may be retried."},
		{"504", "DeadlineExceeded", "The call's deadline (Rpc-Timeout) passed (rpc code 3)."},
	}
}

// apiDescription opens the document: how the http format carries calls.
const apiDescription = `Each method is served by the dmicro http wire format (rpc/wire/http/FORMAT.md): a call is a POST of the JSON argument to the method's path, answered 200 with the JSON reply, or with an error status and the body {"code": <rpc code>, "message": "..."}. A push is a POST with the header Rpc-Type: push, answered 202 as soon as the server takes it.

Metadata travels in Rpc-Meta-<Key> headers, both ways; the deadline in Rpc-Timeout (a Go duration, such as 2s or 250ms). Bodies may also be protobuf (Content-Type: application/protobuf); the schemas here describe JSON bodies, which are encoding/json applied to protoc-gen-go's structs: fields are named by their .proto names, 64-bit integers and enums are numbers, bytes are base64 strings, and zero values are left out.`

// generateOpenAPI writes one OpenAPI 3.1 document, o.apiFile, of the
// services of files.
func generateOpenAPI(p *protogen.Plugin, files []*protogen.File, o options) error {
	doc, err := buildDocument(files, o)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	g := p.NewGeneratedFile(o.apiFile, "")
	_, err = g.Write(b.Bytes())
	return err
}

// buildDocument describes the services of files.
func buildDocument(files []*protogen.File, o options) (*document, error) {
	ss := &schemaSet{schemas: make(map[string]*schema)}
	doc := &document{
		OpenAPI: "3.1.0",
		Info:    info{Title: o.apiTitle, Description: apiDescription, Version: o.apiVersion},
		// OpenAPI's default, said out loud: the host that serves the document.
		Servers: []server{{URL: "/", Description: "The endpoint serving the http format, where this document was read from."}},
		// No security scheme: the rpc layer has none of its own (a plugin
		// such as plugin/auth may read the Authorization header).
		Security: []struct{}{},
		Paths:    make(map[string]*pathItem),
		Components: components{
			Schemas:    ss.schemas,
			Responses:  make(map[string]*response),
			Parameters: sharedParameters(),
			Headers:    sharedHeaders(),
		},
	}
	if doc.Info.Version == "" {
		doc.Info.Version = "0.0.0"
	}
	var packages []string
	owner := make(map[string]string) // path → the method served there
	for _, f := range files {
		for _, s := range f.Services {
			sv, err := serviceOf(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Desc.Path(), err)
			}
			if pkg := string(f.Desc.Package()); !slices.Contains(packages, pkg) {
				packages = append(packages, pkg)
			}
			doc.Tags = append(doc.Tags, tag{Name: string(s.Desc.FullName()), Description: describe(sv.doc)})
			for _, m := range sv.methods {
				full := string(m.Desc.FullName())
				if other, ok := owner[m.path]; ok {
					return nil, fmt.Errorf("%s: service %s: method %s: %w %s as %s", f.Desc.Path(), s.Desc.Name(), m.Desc.Name(), errDupPath, m.path, other)
				}
				owner[m.path] = full
				op, err := ss.operation(sv, m)
				if err != nil {
					return nil, fmt.Errorf("%s: service %s: method %s: %w", f.Desc.Path(), s.Desc.Name(), m.Desc.Name(), err)
				}
				doc.Paths[m.path] = &pathItem{Post: op}
			}
		}
	}
	if doc.Info.Title == "" {
		doc.Info.Title = strings.Join(packages, ", ")
		if doc.Info.Title == "" {
			doc.Info.Title = "dmicro services"
		}
	}
	ss.schemas[errorSchema] = errorBody()
	for _, e := range errorStatuses() {
		doc.Components.Responses[e.name] = &response{
			Description: e.description,
			Headers:     map[string]*header{"Rpc-Code": {Ref: "#/components/headers/RpcCode"}},
			Content:     map[string]*mediaType{jsonType: {Schema: schemaRef(errorSchema)}},
		}
	}
	return doc, nil
}

// operation describes the POST of one method.
func (ss *schemaSet) operation(sv service, m method) (*operation, error) {
	in, err := ss.message(m.Input)
	if err != nil {
		return nil, err
	}
	op := &operation{
		Tags:        []string{string(sv.Desc.FullName())},
		Summary:     summary(m.doc),
		Description: describe(m.doc),
		OperationID: string(m.Desc.FullName()),
		Deprecated:  m.deprecated || sv.deprecated,
		Parameters:  []*parameter{{Ref: "#/components/parameters/RpcTimeout"}},
		RequestBody: &requestBody{
			Description: "The argument, " + string(m.Input.Desc.FullName()) + ".",
			Required:    true,
			Content:     map[string]*mediaType{jsonType: {Schema: in}},
		},
		Responses: make(map[string]*response),
	}
	if m.push {
		op.Parameters = append(op.Parameters, &parameter{Ref: "#/components/parameters/RpcTypePush"})
		op.Responses["202"] = &response{Description: "The server took the push for handling; the handler's outcome is not told."}
	} else {
		out, err := ss.message(m.Output)
		if err != nil {
			return nil, err
		}
		op.Responses["200"] = &response{
			Description: "The reply, " + string(m.Output.Desc.FullName()) + ".",
			Content:     map[string]*mediaType{jsonType: {Schema: out}},
		}
	}
	for _, e := range errorStatuses() {
		op.Responses[e.status] = &response{Ref: "#/components/responses/" + e.name}
	}
	return op, nil
}

// summary is the first sentence of a comment, or its first line.
func summary(doc []string) string {
	if len(doc) == 0 {
		return ""
	}
	var para []string
	for _, l := range doc {
		if strings.TrimSpace(l) == "" {
			break
		}
		para = append(para, strings.TrimSpace(l))
	}
	s := strings.Join(para, " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// errorBody is the schema of the body of an error response.
func errorBody() *schema {
	s := &schema{Type: "object", Description: "The body of an error response.", Properties: &properties{}, Required: []string{"code", "message"}}
	s.Properties.add("code", &schema{Type: "integer", Format: "int32", Description: "The rpc status code (rpc/wire/CODES.md); 1000 and up are the application's."})
	s.Properties.add("message", &schema{Type: "string", Description: "What failed."})
	return s
}

func sharedParameters() map[string]*parameter {
	return map[string]*parameter{
		"RpcTimeout": {
			Name: "Rpc-Timeout", In: "header",
			Description: "The call's deadline, as the time left: a Go duration above zero, such as 2s, 250ms or 1m30s. The handler's context ends at it, and a call still running then fails with 504.",
			Schema:      &schema{Type: "string", Pattern: `^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$`},
		},
		"RpcTypePush": {
			Name: "Rpc-Type", In: "header", Required: true,
			Description: "Makes the request a push: the method is one-way and answered 202 at once.",
			Schema:      &schema{Type: "string", Const: "push"},
		},
	}
}

func sharedHeaders() map[string]*header {
	return map[string]*header{
		"RpcCode": {Description: "The rpc status code, as in the body.", Schema: &schema{Type: "integer", Format: "int32"}},
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc"
)

// buildPlugin builds this command into a temporary directory and returns
// the directory, for protoc's PATH.
func buildPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "protoc-gen-dmicro"), ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// runProtoc writes the .proto files into a temporary directory and runs
// protoc on them with the plugin in pluginDir and the options opt. It
// returns the output directory and protoc's error and standard error.
func runProtoc(t *testing.T, pluginDir string, files map[string]string, opt string) (string, string, error) {
	t.Helper()
	protoc := testenv.LookPath(t, "protoc", "apt-get install protobuf-compiler")
	src, out := t.TempDir(), t.TempDir()
	args := []string{"-I", src, "--dmicro_out=" + out}
	if opt != "" {
		args = append(args, "--dmicro_opt="+opt)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	cmd := exec.Command(protoc, args...)
	cmd.Env = append(os.Environ(), "PATH="+pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return out, stderr.String(), err
}

// TestGoNamePath checks the naming rule on the examples of rpc's doc.
func TestGoNamePath(t *testing.T) {
	for name, want := range map[string]string{
		"Add": "add", "MyCall": "my_call", "GetHTTPStatus": "get_http_status", "V2Users": "v2_users",
		"ABcXYz": "a_bc_x_yz", "User_Get": "user/get", "Aa__Bb": "aa_bb", "HTTP": "http", "A": "a",
		"ServeHTTP2": "serve_http2", "Ünïcode": "ünïcode",
	} {
		if got := goNamePath(name); got != want {
			t.Errorf("goNamePath(%q) = %q, want %q", name, got, want)
		}
	}
}

// Services with awkward names, routed by rpc's reflection to compare the
// paths it gives with routePath's.
type (
	GetHTTPStatus struct{}
	V2Users       struct{}
	User_Admin    struct{} //nolint:revive // an underscore is a path separator in rpc's rule
)

type empty struct{}

func (GetHTTPStatus) ABcXYz(*rpc.CallCtx, *empty) (*empty, error)     { return nil, nil }
func (GetHTTPStatus) ServeHTTP2(*rpc.CallCtx, *empty) (*empty, error) { return nil, nil }
func (V2Users) List_All(*rpc.CallCtx, *empty) (*empty, error)         { return nil, nil }
func (User_Admin) Get__One(*rpc.CallCtx, *empty) (*empty, error)      { return nil, nil }

// TestRoutePathMatchesRouter registers structs with rpc.Router.RouteCall
// and checks that routePath gives the paths the router chose.
func TestRoutePathMatchesRouter(t *testing.T) {
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	for _, c := range []struct {
		ctrl    any
		svc     string
		methods []string
	}{
		{new(GetHTTPStatus), "GetHTTPStatus", []string{"ABcXYz", "ServeHTTP2"}},
		{new(V2Users), "V2Users", []string{"List_All"}},
		{new(User_Admin), "User_Admin", []string{"Get__One"}},
	} {
		got, err := ep.Router().RouteCall(c.ctrl)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, m := range c.methods {
			want = append(want, routePath(c.svc, m))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("the router routed %s at %v; routePath gives %v", c.svc, got, want)
		}
	}
}

// TestCheckPath checks the paths a dmicro:path directive may give.
func TestCheckPath(t *testing.T) {
	for _, p := range []string{"/a", "/a/b", "/legacy/sum_all", "/v1.2/x-y~z"} {
		if err := checkPath(p); err != nil {
			t.Errorf("checkPath(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", "a", "/", "/a/", "//a", "/a//b", "/a b", "/a?b", "/a#b", "/é", "/a%20"} {
		if err := checkPath(p); err == nil {
			t.Errorf("checkPath(%q) accepted it", p)
		}
	}
}

// TestCommentLines checks how comments become doc lines.
func TestCommentLines(t *testing.T) {
	got := commentLines(" Add adds.\n\n  Indented.\n dmicro:push\n\n")
	want := []string{"Add adds.", "", " Indented.", "dmicro:push"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("commentLines = %q, want %q", got, want)
	}
	if got := commentLines("\n \n"); got != nil {
		t.Errorf("commentLines of a blank comment = %q, want none", got)
	}
}

const protoHead = "syntax = \"proto3\";\npackage p;\noption go_package = \"example.com/p\";\nimport \"google/protobuf/empty.proto\";\nmessage M {}\n"

// TestProtocErrors runs protoc on services the generator refuses and checks
// that protoc fails with a message naming the file, service and method.
func TestProtocErrors(t *testing.T) {
	dir := buildPlugin(t)
	for _, c := range []struct {
		name, service string
		err           error
		want          string
	}{
		{"client streaming", "service S { rpc Up(stream M) returns (M); }", errStreaming,
			"x.proto: service S: method Up: streaming methods are not supported"},
		{"server streaming", "service S { rpc Watch(M) returns (stream M); }", errStreaming,
			"x.proto: service S: method Watch: streaming methods are not supported"},
		{"push with a reply", "service S {\n// dmicro:push\nrpc P(M) returns (M); }", errPushReply,
			"x.proto: service S: method P: a push (dmicro:push) must return google.protobuf.Empty, not p.M"},
		{"unknown directive", "service S {\n// dmicro:pusj\nrpc P(M) returns (M); }", errDirective,
			`x.proto: service S: method P: bad dmicro directive "dmicro:pusj"`},
		{"bad path", "service S {\n// dmicro:path=a/b\nrpc P(M) returns (M); }", errDirective,
			`x.proto: service S: method P: bad dmicro directive "dmicro:path=a/b": a path starts with /`},
		{"directive on a service", "// dmicro:push\nservice S { rpc P(M) returns (M); }", errDirective,
			`x.proto: service S: bad dmicro directive: "dmicro:push": directives go on methods`},
		{"same path", "service S {\nrpc A(M) returns (M);\n// dmicro:path=/s/a\nrpc B(M) returns (M); }", errDupPath,
			"x.proto: service S: methods A and B: two methods have the same path /s/a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := runProtoc(t, dir, map[string]string{"x.proto": protoHead + c.service}, "")
			if err == nil {
				t.Fatalf("protoc accepted the service; stderr:\n%s", stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Fatalf("protoc's error:\n%s\nwant it to contain %q", stderr, c.want)
			}
			if !strings.Contains(stderr, c.err.Error()) {
				t.Fatalf("protoc's error:\n%s\ndoes not carry %q", stderr, c.err)
			}
		})
	}
}

// pluginFor makes, without protoc, the plugin protoc would run for the
// file fd (which may import google/protobuf/empty.proto).
func pluginFor(t *testing.T, fd *descriptorpb.FileDescriptorProto) *protogen.Plugin {
	t.Helper()
	req := &pluginpb.CodeGeneratorRequest{
		FileToGenerate: []string{fd.GetName()},
		ProtoFile:      []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(emptypb.File_google_protobuf_empty_proto), fd},
	}
	p, err := protogen.Options{}.New(req)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServiceOfWraps checks that serviceOf's errors wrap their sentinels.
func TestServiceOfWraps(t *testing.T) {
	rpcMethod := func(name, out string, stream bool) *descriptorpb.MethodDescriptorProto {
		return &descriptorpb.MethodDescriptorProto{Name: proto.String(name), InputType: proto.String(".p.M"), OutputType: proto.String(out), ServerStreaming: proto.Bool(stream)}
	}
	for _, c := range []struct {
		m   *descriptorpb.MethodDescriptorProto
		err error
	}{
		{rpcMethod("Watch", ".p.M", true), errStreaming},
		{rpcMethod("Add", ".p.M", false), nil},
		{rpcMethod("Drop", ".google.protobuf.Empty", false), nil},
	} {
		fd := &descriptorpb.FileDescriptorProto{
			Name: proto.String("x.proto"), Package: proto.String("p"), Syntax: proto.String("proto3"),
			Dependency:  []string{"google/protobuf/empty.proto"},
			Options:     &descriptorpb.FileOptions{GoPackage: proto.String("example.com/p")},
			MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("M")}},
			Service:     []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("S"), Method: []*descriptorpb.MethodDescriptorProto{c.m}}},
		}
		p := pluginFor(t, fd)
		sv, err := serviceOf(p.Files[len(p.Files)-1].Services[0])
		if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("method %s: serviceOf: %v, want %v", c.m.GetName(), err, c.err)
		}
		if err == nil && sv.methods[0].path != "/s/"+strings.ToLower(c.m.GetName()) {
			t.Errorf("method %s: path %q", c.m.GetName(), sv.methods[0].path)
		}
	}
}

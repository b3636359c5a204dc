package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/genmath"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

// mathDoc is the checked-in OpenAPI document of the example service.
const mathDoc = "../../internal/genmath/openapi.json"

// redoclyVersion pins the validator: later versions need Node.js 22.
const redoclyVersion = "2.77.0"

// TestOpenAPIUpToDate runs protoc on the example service and checks that
// the document it writes is the one checked in.
func TestOpenAPIUpToDate(t *testing.T) {
	src, err := os.ReadFile("../../internal/genmath/math.proto")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runProtoc(t, buildPlugin(t), map[string]string{"math.proto": string(src)}, "paths=source_relative,openapi")
	if err != nil {
		t.Fatalf("protoc: %v\n%s", err, stderr)
	}
	got, err := os.ReadFile(filepath.Join(out, "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(mathDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("protoc wrote another document than %s: run make generate", mathDoc)
	}
	if _, err := os.Stat(filepath.Join(out, "math_dmicro.pb.go")); err != nil {
		t.Fatal(err)
	}
}

// TestOpenAPIOptions checks the openapi_file, openapi_title and
// openapi_version options, and that without openapi no document is written.
func TestOpenAPIOptions(t *testing.T) {
	dir := buildPlugin(t)
	files := map[string]string{"x.proto": protoHead + "service S { rpc A(M) returns (M); }"}
	out, stderr, err := runProtoc(t, dir, files, "openapi,openapi_file=api/x.json,openapi_title=X API,openapi_version=1.2.3")
	if err != nil {
		t.Fatalf("protoc: %v\n%s", err, stderr)
	}
	var doc struct {
		Info  struct{ Title, Version string }
		Paths map[string]any
	}
	b, err := os.ReadFile(filepath.Join(out, "api", "x.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.Title != "X API" || doc.Info.Version != "1.2.3" || doc.Paths["/s/a"] == nil {
		t.Fatalf("the document has info %+v and paths %v", doc.Info, doc.Paths)
	}
	out, stderr, err = runProtoc(t, dir, files, "")
	if err != nil {
		t.Fatalf("protoc: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "openapi.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("without the openapi option: %v", err)
	}
}

// TestOpenAPIValidates lints the example's document with Redocly's
// OpenAPI 3.1 validator (its recommended rules but the license), from npm.
func TestOpenAPIValidates(t *testing.T) {
	npm := testenv.LookPath(t, "npm", "apt-get install npm")
	dir := t.TempDir()
	// npm and redocly get a deadline each, so that a registry or a
	// process that never answers fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "@redocly/cli@"+redoclyVersion)
	if out, err := install.CombinedOutput(); err != nil {
		if testenv.InCI() {
			t.Fatalf("npm install: %v\n%s", err, out)
		}
		t.Skipf("npm install @redocly/cli failed (no registry?): %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "redocly.yaml")
	if err := os.WriteFile(cfg, []byte("extends:\n  - recommended\nrules:\n  info-license: off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := filepath.Abs(mathDoc)
	if err != nil {
		t.Fatal(err)
	}
	lint := exec.CommandContext(ctx, filepath.Join(dir, "node_modules", ".bin", "redocly"), "lint", "--config", cfg, "--format=json", doc)
	lint.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	var stderr bytes.Buffer
	lint.Stderr = &stderr
	out, err := lint.Output()
	var res struct {
		Totals   struct{ Errors, Warnings int }
		Problems []struct{ RuleID, Message string }
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("redocly lint: %v, %v\n%s\n%s", err, jerr, out, &stderr)
	}
	if err != nil || res.Totals.Errors+res.Totals.Warnings > 0 {
		t.Fatalf("redocly lint: %v: %d errors, %d warnings: %+v", err, res.Totals.Errors, res.Totals.Warnings, res.Problems)
	}
}

// TestOpenAPICurl calls the example service over the http format with curl,
// each request built from the document (path, content type, headers) and
// checked against its request schema, and checks each answer against the
// document's schema for its status: a reply, a push taken, an error.
func TestOpenAPICurl(t *testing.T) {
	curl := testenv.LookPath(t, "curl", "apt-get install curl")
	leakcheck.Check(t)
	b, err := os.ReadFile(mathDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decodeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	notes := make(chan string, 1)
	addr := serveHTTP(t, genmath.NewServer(notes))

	echo := `{"text":"hé","data":"AAH/","i32":-5,"u32":4294967295,"i64":-1099511627776,"u64":18446744073709551615,` +
		`"f64":42,"ratio":0.5,"flag":true,"color":2,"tags":["a","b"],"counts":{"x":1,"y":-2},"names":{"-1":"m","7":"s"},` +
		`"point":{"x":-3,"y":4},"path":[{"x":1},{"y":2}],"maybe":0,"at":{"seconds":1700000000,"nanos":5},"Choice":{"Word":"hi"}}`
	for _, c := range []struct {
		op, body string
		status   string
		check    func(t *testing.T, reply any, header string)
	}{
		{"Add", `{"operands":[1,2,3]}`, "200", func(t *testing.T, reply any, _ string) {
			if got := reply.(map[string]any)["sum"]; got != json.Number("6") {
				t.Errorf("sum %v, want 6", got)
			}
		}},
		{"OldAdd", `{"operands":[4,5]}`, "200", nil},
		{"Echo", echo, "200", func(t *testing.T, reply any, _ string) {
			r := reply.(map[string]any)
			want, _ := decodeJSON([]byte(echo))
			if !reflect.DeepEqual(r["request"], want) {
				t.Errorf("the request came back as %v, want %v", r["request"], want)
			}
			if r["deadline_ms"] == nil {
				t.Errorf("no deadline_ms: the Rpc-Timeout header did not reach the handler")
			}
		}},
		{"Div", `{"a":1,"b":0}`, "400", func(t *testing.T, reply any, header string) {
			if code := reply.(map[string]any)["code"]; code != json.Number("16") {
				t.Errorf("code %v, want 16", code)
			}
			if !strings.Contains(strings.ToLower(header), "rpc-code: 16") {
				t.Errorf("no Rpc-Code: 16 header in\n%s", header)
			}
		}},
		{"Note", `{"text":"hi"}`, "202", func(t *testing.T, _ any, _ string) {
			select {
			case got := <-notes:
				if got != "hi" {
					t.Errorf("the handler got %q, want hi", got)
				}
			case <-rpctest.Context(t).Done():
				t.Fatal("the push's handler did not run")
			}
		}},
	} {
		t.Run(c.op, func(t *testing.T) {
			path, op := operationOf(t, doc, "dmicro.genmath.Math."+c.op)
			args := []string{"-sS", "--max-time", "60", "-X", "POST", "-D", "-", "-w", "\n%{http_code}"}
			for _, p := range op["parameters"].([]any) {
				param := resolve(doc, p.(map[string]any))
				name, schema := param["name"].(string), param["schema"].(map[string]any)
				switch {
				case schema["const"] != nil:
					args = append(args, "-H", name+": "+schema["const"].(string))
				case name == "Rpc-Timeout":
					args = append(args, "-H", name+": 5s")
				}
			}
			for ct, media := range op["requestBody"].(map[string]any)["content"].(map[string]any) {
				args = append(args, "-H", "Content-Type: "+ct)
				in, err := decodeJSON([]byte(c.body))
				if err != nil {
					t.Fatal(err)
				}
				if err := validate(doc, media.(map[string]any)["schema"].(map[string]any), in, "request"); err != nil {
					t.Fatalf("the hand-made request does not match the document: %v", err)
				}
			}
			args = append(args, "--data-binary", c.body, "http://"+addr+path)
			out, err := exec.CommandContext(rpctest.Context(t), curl, args...).Output()
			if err != nil {
				t.Fatalf("curl %q: %v", args, err)
			}
			s := string(out)
			header, rest, _ := strings.Cut(s, "\r\n\r\n")
			body, status := rest[:strings.LastIndexByte(rest, '\n')], rest[strings.LastIndexByte(rest, '\n')+1:]
			if status != c.status {
				t.Fatalf("status %s, want %s; answer:\n%s", status, c.status, s)
			}
			resp := resolve(doc, op["responses"].(map[string]any)[status].(map[string]any))
			var reply any
			if content, ok := resp["content"].(map[string]any); ok {
				schema := content["application/json"].(map[string]any)["schema"].(map[string]any)
				if reply, err = decodeJSON([]byte(body)); err != nil {
					t.Fatalf("the answer %q: %v", body, err)
				}
				if err := validate(doc, schema, reply, "reply"); err != nil {
					t.Fatalf("the answer %s does not match the document: %v", body, err)
				}
			} else if body != "" {
				t.Fatalf("the document says no content, the answer has %q", body)
			}
			if c.check != nil {
				c.check(t, reply, header)
			}
		})
	}
}

// serveHTTP serves impl over the http format on 127.0.0.1 until the test ends.
func serveHTTP(t *testing.T, impl genmath.MathServer) string {
	t.Helper()
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0", Format: wirehttp.Format{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := genmath.RegisterMathServer(srv.Router(), impl); err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(rpctest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return l.Addr().String()
}

// operationOf finds the path and POST operation of an operationId.
func operationOf(t *testing.T, doc map[string]any, id string) (string, map[string]any) {
	t.Helper()
	for path, item := range doc["paths"].(map[string]any) {
		op := item.(map[string]any)["post"].(map[string]any)
		if op["operationId"] == id {
			return path, op
		}
	}
	t.Fatalf("no operation %s in the document", id)
	return "", nil
}

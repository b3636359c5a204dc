package xmlrpc_test

// Interoperability with independent implementations on this machine:
// Python's xmlrpc.client and xmlrpc.server, and supervisor's own code and
// supervisorctl. Each test skips, saying how to install what it needs,
// when that is missing, and fails instead under CI=true.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

func python3(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "python3", "apt-get install -y python3")
}

// run runs a command and returns its stdout, failing the test with its
// stderr when it fails.
func run(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", cmd, err, out, stderr.String())
	}
	return out
}

// jsonEqual reports whether the JSON documents got and want hold the same
// value.
func jsonEqual(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// interopServer is what the Python client calls: echo, types, a sample
// value built in Go, a fault and a plain error.
func interopServer() *xmlrpc.Server {
	srv := echoServer()
	srv.Handle("t.sample", func(context.Context, []any) (any, error) {
		return map[string]any{
			"int":    -7,
			"bool":   true,
			"string": "héllo <&>\r\n",
			"double": 0.1,
			"time":   time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC),
			"bytes":  []byte{0, 0xff, 'b'},
			"nil":    nil,
			"list":   []any{1, []any{2}, map[string]any{"k": "v"}},
			"struct": processInfo{Name: "web", Group: "web", State: 20, StateName: "RUNNING", PID: 100},
			"empty":  []string(nil),
		}, nil
	})
	srv.Handle("t.fault", func(context.Context, []any) (any, error) { return nil, xmlrpc.Faultf(xmlrpc.FaultBadName, "foo") })
	srv.Handle("t.error", func(context.Context, []any) (any, error) { return nil, errors.New("boom") })
	return srv
}

// TestPythonClient has Python's xmlrpc.client call a Server over TCP and
// over a unix socket, and checks what each side saw of the other's values.
func TestPythonClient(t *testing.T) {
	py := python3(t)
	for _, ep := range serveAll(t, rpcMux(interopServer())) {
		t.Run(ep.name, func(t *testing.T) {
			out := run(t, exec.CommandContext(t.Context(), py, filepath.Join("testdata", "pyclient.py"), ep.url))
			var got struct {
				Echo        map[string]any
				Types       map[string]string
				Sample      json.RawMessage
				Faults      json.RawMessage
				Multicall   json.RawMessage
				ListMethods []string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			// Python's values came back equal, and of their type.
			for name, ok := range got.Echo {
				if ok != true {
					t.Errorf("echo of %s came back as %v", name, ok)
				}
			}
			// What Go received of them.
			wantTypes := map[string]string{
				"int": "int", "int min": "int", "int max": "int", "true": "bool", "false": "bool",
				"string": "string", "unicode": "string", "empty string": "string", "large string": "string",
				"double": "float64", "tiny double": "float64", "huge double": "float64",
				"datetime": "time.Time", "bytes": "[]uint8", "empty bytes": "[]uint8", "none": "<nil>",
				"list": "[]interface {}", "dict": "map[string]interface {}",
			}
			if !reflect.DeepEqual(got.Types, wantTypes) {
				t.Errorf("Go's types of Python's values:\ngot  %v\nwant %v", got.Types, wantTypes)
			}
			// What Python received of Go's values.
			const wantSample = `{
				"int": -7, "bool": true, "string": "héllo <&>\r\n", "double": {"double": "0.1"},
				"time": {"datetime": "2024-02-29T23:59:59"}, "bytes": {"base64": "AP9i"}, "nil": null,
				"list": [1, [2], {"k": "v"}], "empty": [],
				"struct": {"name": "web", "group": "web", "start": 0, "state": 20, "statename": "RUNNING",
					"pid": 100, "exitstatus": 0, "description": "", "stdout_logfile": ""}
			}`
			if !jsonEqual(t, got.Sample, wantSample) {
				t.Errorf("Python's view of Go's sample:\ngot  %s\nwant %s", got.Sample, wantSample)
			}
			const wantFaults = `{"t.fault": [10, "BAD_NAME: foo"], "t.error": [30, "FAILED: boom"], "no.such": [1, "UNKNOWN_METHOD"]}`
			if !jsonEqual(t, got.Faults, wantFaults) {
				t.Errorf("faults: got %s, want %s", got.Faults, wantFaults)
			}
			const wantMulti = `[1, [10, "BAD_NAME: foo"], "x"]`
			if !jsonEqual(t, got.Multicall, wantMulti) {
				t.Errorf("MultiCall: got %s, want %s", got.Multicall, wantMulti)
			}
			wantMethods := []string{"system.listMethods", "system.multicall", "t.echo", "t.error", "t.fault", "t.sample", "t.types"}
			if !slices.Equal(got.ListMethods, wantMethods) {
				t.Errorf("listMethods: got %q, want %q", got.ListMethods, wantMethods)
			}
		})
	}
}

// TestPythonServer has the Client call Python's xmlrpc.server.
func TestPythonServer(t *testing.T) {
	py := python3(t)
	ctx, cancel := context.WithCancel(t.Context())
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "pyserver.py"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the port of pyserver.py: %v\n%s", err, stderr.String())
	}
	c := newClient(t, endpoint{url: "http://127.0.0.1:" + strings.TrimSpace(port)}, nil)

	t.Run("echo", func(t *testing.T) {
		for _, tc := range roundTrips() {
			var got any
			if err := c.Call(t.Context(), "t.echo", []any{tc.in}, &got); err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			// Python gets the carriage returns we send, but writes them as
			// they are, and XML parsers read them as line feeds.
			if !equalValues(got, crToLF(tc.want)) {
				t.Errorf("%s: got %#v, want %#v", tc.name, got, tc.want)
			}
		}
	})
	t.Run("types", func(t *testing.T) {
		var got []string
		err := c.Call(t.Context(), "t.types", []any{1, true, "s", 2.5, time.Now(), []byte("b"), nil, []int{}, map[string]int{}, processInfo{}}, &got)
		want := []string{"int", "bool", "str", "float", "datetime", "bytes", "NoneType", "list", "dict", "dict"}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Python's types of Go's values: got %q %v, want %q", got, err, want)
		}
	})
	t.Run("sample", func(t *testing.T) {
		var got any
		if err := c.Call(t.Context(), "t.sample", nil, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			// Python writes "\r\n" as it is; XML parsers read it as "\n".
			"int": -7, "bool": true, "string": "héllo <&>\n", "double": 0.1,
			"datetime": time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), "bytes": []byte("\x00\xffbin"),
			"none": nil, "list": []any{1, []any{2, []any{3}}, map[string]any{"k": "v"}},
			"empty": map[string]any{}, "large": strings.Repeat("y", 5000),
		}
		if !equalValues(got, want) {
			t.Errorf("Go's view of Python's sample:\ngot  %#v\nwant %#v", got, want)
		}
	})
	t.Run("faults", func(t *testing.T) {
		for method, want := range map[string]xmlrpc.Fault{
			"t.fault": {Code: 10, String: "BAD_NAME: foo"},
			"t.error": {Code: 1, String: "<class 'ValueError'>:boom"},
			"no.such": {Code: 1, String: `<class 'Exception'>:method "no.such" is not supported`},
		} {
			err := c.Call(t.Context(), method, nil, nil)
			if f, ok := errors.AsType[*xmlrpc.Fault](err); !ok || *f != want {
				t.Errorf("%s: got %v, want %+v", method, err, want)
			}
		}
	})
	t.Run("multicall", func(t *testing.T) {
		results, err := c.Multicall(t.Context(), []xmlrpc.MethodCall{
			{Method: "t.echo", Params: []any{"a"}},
			{Method: "t.fault"},
			{Method: "t.types", Params: []any{1, "x"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 3 || results[0].Value != "a" || results[1].Fault == nil || results[1].Fault.Code != 10 ||
			!equalValues(results[2].Value, []any{"int", "str"}) {
			t.Errorf("got %+v", results)
		}
	})
	t.Run("listMethods", func(t *testing.T) {
		var got []string
		if err := c.Call(t.Context(), "system.listMethods", nil, &got); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"system.multicall", "t.echo", "t.sample"} {
			if !slices.Contains(got, m) {
				t.Errorf("%s missing from %q", m, got)
			}
		}
	})
}

// supervisorPython returns the Python interpreter supervisorctl runs on,
// which can import supervisor's modules.
func supervisorPython(t *testing.T) (ctl, py string) {
	t.Helper()
	ctl = testenv.LookPath(t, "supervisorctl", "apt-get install -y supervisor")
	b, err := os.ReadFile(ctl)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) == 0 {
		t.Fatalf("%s has no #! line naming its Python", ctl)
	}
	if filepath.Base(fields[0]) == "env" && len(fields) > 1 {
		return ctl, fields[1]
	}
	return ctl, fields[0]
}

// TestSupervisorModule runs supervisor's own XML-RPC code on this package's
// output and this package's parser on supervisor's output, and checks the
// fault codes and strings against supervisor's.
func TestSupervisorModule(t *testing.T) {
	_, py := supervisorPython(t)
	var calls []string
	for _, c := range []struct {
		method string
		params []any
	}{
		{"supervisor.getVersion", nil},
		{"supervisor.startProcess", []any{"web:web_0", true}},
		{"t.values", []any{
			42, -1, true, false, "a<b&c\r\n", "", 2.5, time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC),
			[]byte("bin"), nil, []any{1, []any{}}, map[string]any{"k": []any{"v"}},
			processInfo{Name: "web", PID: 7},
		}},
	} {
		doc, err := xmlrpc.MarshalCall(c.method, c.params)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, string(doc))
	}
	input, err := json.Marshal(map[string]any{"calls": calls})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", "supervisor_check.py"))
	cmd.Stdin = bytes.NewReader(input)
	out := run(t, cmd)
	var got struct {
		Faults    map[string]int
		Texts     map[string]string
		Loads     json.RawMessage
		Responses map[string]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}

	if !reflect.DeepEqual(got.Faults, supervisorFaults) {
		t.Errorf("supervisor's Faults:\n%v\nours:\n%v", got.Faults, supervisorFaults)
	}
	for key, want := range map[string]string{
		"BAD_NAME foo": xmlrpc.Faultf(xmlrpc.FaultBadName, "foo").String,
		"SUCCESS":      xmlrpc.NewFault(xmlrpc.FaultSuccess).String,
		"999 x":        xmlrpc.Faultf(999, "x").String,
	} {
		if got.Texts[key] != want {
			t.Errorf("RPCError %s: supervisor writes %q, we write %q", key, got.Texts[key], want)
		}
	}

	// supervisord's request parser reads base64 as text and <nil/> as None.
	const wantLoads = `[
		["supervisor.getVersion", []],
		["supervisor.startProcess", ["web:web_0", true]],
		["t.values", [42, -1, true, false, "a<b&c\r\n", "", {"double": "2.5"}, {"datetime": "1998-07-17T14:08:55"},
			"bin", null, [1, []], {"k": ["v"]},
			{"name": "web", "group": "", "start": 0, "state": 0, "statename": "", "pid": 7, "exitstatus": 0,
			 "description": "", "stdout_logfile": ""}]]
	]`
	if !jsonEqual(t, got.Loads, wantLoads) {
		t.Errorf("supervisord's parser read our calls as\n%s\nwant\n%s", got.Loads, wantLoads)
	}

	var infos []processInfo
	if err := xmlrpc.UnmarshalResponse([]byte(got.Responses["process info"]), &infos); err != nil {
		t.Error(err)
	} else if want := (processInfo{Name: "web", Group: "web", PID: 4242, State: 20, StateName: "RUNNING", Start: 1700000000, Description: "pid 4242, uptime 0:01:00"}); len(infos) != 1 || infos[0] != want {
		t.Errorf("process info: got %+v, want %+v", infos, want)
	}
	var ok bool
	if err := xmlrpc.UnmarshalResponse([]byte(got.Responses["true"]), &ok); err != nil || !ok {
		t.Errorf("true: %v %v", ok, err)
	}
	var tail []any
	if err := xmlrpc.UnmarshalResponse([]byte(got.Responses["tail"]), &tail); err != nil || !equalValues(tail, []any{"log text\n", 1600, false}) {
		t.Errorf("tail: %#v %v", tail, err)
	}
	err = xmlrpc.UnmarshalResponse([]byte(got.Responses["fault"]), nil)
	if f, ok := errors.AsType[*xmlrpc.Fault](err); !ok || *f != (xmlrpc.Fault{Code: 10, String: "BAD_NAME: foo"}) {
		t.Errorf("fault: %v", err)
	}
}

// TestSupervisorctl drives a Server with the real supervisorctl, over TCP
// and over a unix socket, with credentials, as `supervisorctl status` and
// `supervisorctl start` drive supervisord. The supervisor.* methods here
// are stand-ins that return what supervisord would.
func TestSupervisorctl(t *testing.T) {
	ctl, _ := supervisorPython(t)
	srv := &xmlrpc.Server{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.Register("supervisor.getVersion", func(context.Context) (string, error) { return "3.0", nil }))
	must(srv.Register("supervisor.getAllProcessInfo", func(context.Context) ([]processInfo, error) {
		return []processInfo{
			{Name: "web_0", Group: "web", State: 20, StateName: "RUNNING", PID: 100, Description: "pid 100, uptime 1:00:00"},
			{Name: "worker", Group: "worker", State: 0, StateName: "STOPPED", Description: "Not started"},
		}, nil
	}))
	must(srv.Register("supervisor.startProcess", func(_ context.Context, name string, wait ...bool) (bool, error) {
		if name != "web:web_0" {
			return false, xmlrpc.Faultf(xmlrpc.FaultBadName, "%s", name)
		}
		return true, nil
	}))
	sum := sha1.Sum([]byte("s3cret"))
	h := xmlrpc.BasicAuth(rpcMux(srv), "admin", "{SHA}"+hex.EncodeToString(sum[:]))

	for _, ep := range serveAll(t, h) {
		t.Run(ep.name, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "supervisord.conf")
			must(os.WriteFile(conf, []byte("[supervisorctl]\nserverurl = "+ep.url+"\nusername = admin\npassword = s3cret\n"), 0o600))
			supervisorctl := func(args ...string) (string, int) {
				t.Helper()
				cmd := exec.CommandContext(t.Context(), ctl, append([]string{"-c", conf}, args...)...)
				out, err := cmd.CombinedOutput()
				code := 0
				if ee, ok := errors.AsType[*exec.ExitError](err); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatalf("supervisorctl %q: %v\n%s", args, err, out)
				}
				return string(out), code
			}

			out, code := supervisorctl("status")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			want := [][]string{
				{"web:web_0", "RUNNING", "pid", "100,", "uptime", "1:00:00"},
				{"worker", "STOPPED", "Not", "started"},
			}
			if len(lines) != 2 || !slices.Equal(strings.Fields(lines[0]), want[0]) || !slices.Equal(strings.Fields(lines[1]), want[1]) {
				t.Errorf("status printed:\n%s", out)
			}
			if code != 3 { // LSB "program is not running": worker is stopped
				t.Errorf("status exited %d, want 3\n%s", code, out)
			}

			out, _ = supervisorctl("start", "web:web_0", "nosuch")
			if !strings.Contains(out, "web:web_0: started") || !strings.Contains(out, "nosuch: ERROR (no such process)") {
				t.Errorf("start printed:\n%s", out)
			}

			out, code = supervisorctl("-p", "wrong", "status")
			if !strings.Contains(out, "Server requires authentication") || code == 0 {
				t.Errorf("status with a wrong password exited %d and printed:\n%s", code, out)
			}
		})
	}
}

// crToLF returns v with the line ends of its strings turned into line
// feeds, as an XML parser reads a carriage return that is not escaped.
func crToLF(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = crToLF(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = crToLF(x)
		}
		return out
	}
	return v
}

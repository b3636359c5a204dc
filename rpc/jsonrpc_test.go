package rpc_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptrace"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
)

// specServer serves the methods of the JSON-RPC 2.0 specification's
// examples, in format f.
func specServer(t *testing.T, f wire.Format) (*pair, chan string) {
	notes := make(chan string, 16)
	p := newPair(t, pairOptions{srv: rpc.Config{Format: f}, setup: func(srv *rpc.Endpoint) {
		srv.Router().HandleCall("/subtract", rpc.CallFunc(func(_ *rpc.CallCtx, params *json.RawMessage) (int, error) {
			var pos []int
			if json.Unmarshal(*params, &pos) == nil && len(pos) == 2 {
				return pos[0] - pos[1], nil
			}
			var named struct{ Minuend, Subtrahend int }
			if err := json.Unmarshal(*params, &named); err != nil {
				return 0, rpc.NewStatus(rpc.CodeInvalidArgument, "want [a, b] or {minuend, subtrahend}")
			}
			return named.Minuend - named.Subtrahend, nil
		}))
		srv.Router().HandleCall("/sum", rpc.CallFunc(func(_ *rpc.CallCtx, xs *[]int) (int, error) {
			s := 0
			for _, x := range *xs {
				s += x
			}
			return s, nil
		}))
		srv.Router().HandleCall("/get_data", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) ([]any, error) { return []any{"hello", 5}, nil }))
		for _, name := range []string{"/update", "/notify_hello", "/notify_sum"} {
			srv.Router().HandlePush(name, rpc.PushFunc(func(c *rpc.PushCtx, _ *json.RawMessage) error {
				notes <- c.ServiceMethod()
				return nil
			}))
		}
	}})
	return p, notes
}

// jrConn is a hand-driven JSON-RPC connection.
type jrConn struct {
	t   *testing.T
	nc  net.Conn
	dec *json.Decoder
}

func dialJR(t *testing.T, addr string) *jrConn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(testTimeout)) // a missing response fails the test, never hangs it
	return &jrConn{t: t, nc: nc, dec: json.NewDecoder(bufio.NewReader(nc))}
}

func (c *jrConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, s+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the next response value with the parts the specification
// fixes: result, error code, id (messages are implementation-defined).
func (c *jrConn) read() any {
	c.t.Helper()
	var v any
	if err := c.dec.Decode(&v); err != nil {
		c.t.Fatalf("no response: %v", err)
	}
	return essentials(v)
}

func essentials(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = essentials(x[i])
		}
		sort.Slice(out, func(i, j int) bool { return jsonString(out[i]) < jsonString(out[j]) })
		return out
	case map[string]any:
		out := map[string]any{"jsonrpc": x["jsonrpc"], "id": x["id"]}
		if r, ok := x["result"]; ok {
			out["result"] = r
		}
		if e, ok := x["error"].(map[string]any); ok {
			out["error"] = e["code"]
		}
		return out
	}
	return v
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

func decodeJSON(t *testing.T, s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return essentials(v)
}

// specCases are the examples of the JSON-RPC 2.0 specification that have
// a response, written by hand, with the parts of the response the
// specification fixes (result, error code and id).
var specCases = []struct{ name, req, want string }{
	{"positional", `{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`, `{"jsonrpc": "2.0", "result": 19, "id": 1}`},
	{"positional 2", `{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`, `{"jsonrpc": "2.0", "result": -19, "id": 2}`},
	{"named", `{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`, `{"jsonrpc": "2.0", "result": 19, "id": 3}`},
	{"named 2", `{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`, `{"jsonrpc": "2.0", "result": 19, "id": 4}`},
	{"no such method", `{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`, `{"jsonrpc": "2.0", "error": {"code": -32601}, "id": "1"}`},
	{"invalid request", `{"jsonrpc": "2.0", "method": 1, "params": "bar"}`, `{"jsonrpc": "2.0", "error": {"code": -32600}, "id": null}`},
	{"empty batch", `[]`, `{"jsonrpc": "2.0", "error": {"code": -32600}, "id": null}`},
	{"invalid batch of one", `[1]`, `[{"jsonrpc": "2.0", "error": {"code": -32600}, "id": null}]`},
	{"invalid batch", `[1,2,3]`, `[{"jsonrpc":"2.0","error":{"code":-32600},"id":null},{"jsonrpc":"2.0","error":{"code":-32600},"id":null},{"jsonrpc":"2.0","error":{"code":-32600},"id":null}]`},
	{"mixed batch", `[
		{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
		{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
		{"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
		{"foo": "boo"},
		{"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
		{"jsonrpc": "2.0", "method": "get_data", "id": "9"}]`,
		`[{"jsonrpc": "2.0", "result": 7, "id": "1"},
		{"jsonrpc": "2.0", "result": 19, "id": "2"},
		{"jsonrpc": "2.0", "error": {"code": -32600}, "id": null},
		{"jsonrpc": "2.0", "error": {"code": -32601}, "id": "5"},
		{"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}]`},
}

// specNotifications are the specification's notifications: they get no
// response.
var specNotifications = []string{
	`{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`,
	`{"jsonrpc": "2.0", "method": "foobar"}`,
	`[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]`,
}

// jrCarrier sends JSON-RPC values to a server: call sends one that has a
// response and returns it (its essentials); notify sends one that has none.
type jrCarrier struct {
	call   func(t *testing.T, req string) any
	notify func(t *testing.T, req string)
}

// TestJSONRPCSpecExamples sends the examples of the JSON-RPC 2.0
// specification, written by hand, to a real endpoint, on a stream and in
// HTTP POST bodies, and checks the responses the specification gives.
func TestJSONRPCSpecExamples(t *testing.T) {
	t.Run("stream", func(t *testing.T) {
		p, notes := specServer(t, jsonrpc.Format{})
		c := dialJR(t, p.addr)
		runSpecExamples(t, notes, jrCarrier{
			call:   func(t *testing.T, req string) any { c.t = t; c.send(req); return c.read() },
			notify: func(t *testing.T, req string) { c.t = t; c.send(req) },
		})
	})
	t.Run("http", func(t *testing.T) {
		p, notes := specServer(t, wirehttp.Format{JSONRPCPath: "/jsonrpc", JSONRPC: jsonrpc.Format{}})
		tr := &nethttp.Transport{}
		defer tr.CloseIdleConnections()
		conns := 0
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if !info.Reused {
				conns++
			}
		}}
		post := func(t *testing.T, req string) (int, string) {
			t.Helper()
			ctx := httptrace.WithClientTrace(testCtx(t), trace)
			hr, err := nethttp.NewRequestWithContext(ctx, "POST", "http://"+p.addr+"/jsonrpc", strings.NewReader(req))
			if err != nil {
				t.Fatal(err)
			}
			hr.Header.Set("Content-Type", "application/json")
			resp, err := (&nethttp.Client{Transport: tr}).Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, string(body)
		}
		runSpecExamples(t, notes, httpCarrier(post))
		if conns != 1 {
			t.Fatalf("the requests used %d connections, want 1 kept alive", conns)
		}
	})
}

// TestJSONRPCOverHTTPWithCurl posts the specification's examples with
// curl, one process per request, as a shell script would.
func TestJSONRPCOverHTTPWithCurl(t *testing.T) {
	curl := testenv.LookPath(t, "curl", "apt-get install -y curl")
	p, notes := specServer(t, wirehttp.Format{JSONRPCPath: "/jsonrpc", JSONRPC: jsonrpc.Format{}})
	post := func(t *testing.T, req string) (status int, body string) {
		t.Helper()
		out, err := exec.CommandContext(testCtx(t), curl, "-sS", "--max-time", "20",
			"-H", "Content-Type: application/json", "--data-binary", req,
			"-w", "\n%{http_code}", "http://"+p.addr+"/jsonrpc").Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		i := strings.LastIndexByte(string(out), '\n')
		status, err = strconv.Atoi(string(out[i+1:]))
		if err != nil {
			t.Fatalf("curl's output %q: %v", out, err)
		}
		return status, string(out[:i])
	}
	runSpecExamples(t, notes, httpCarrier(post))
}

// httpCarrier sends JSON-RPC values with post, which posts one to the
// JSON-RPC path: a call is answered 200 with its response, a notification
// 204 without a body.
func httpCarrier(post func(t *testing.T, req string) (status int, body string)) jrCarrier {
	return jrCarrier{
		call: func(t *testing.T, req string) any {
			status, body := post(t, req)
			if status != 200 {
				t.Fatalf("status %d, body %q", status, body)
			}
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			return essentials(v)
		},
		notify: func(t *testing.T, req string) {
			if status, body := post(t, req); status != 204 || body != "" {
				t.Fatalf("notification answered %d %q, want 204 and no body", status, body)
			}
		},
	}
}

func runSpecExamples(t *testing.T, notes chan string, c jrCarrier) {
	for _, tc := range specCases {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := c.call(t, tc.req), decodeJSON(t, tc.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %s\nwant %s", jsonString(got), jsonString(want))
			}
		})
	}
	// Notifications get no response: the next response is the next call's.
	for _, n := range specNotifications {
		c.notify(t, n)
	}
	if got, want := c.call(t, `{"jsonrpc": "2.0", "method": "sum", "params": [1,1], "id": 10}`), decodeJSON(t, `{"jsonrpc": "2.0", "result": 2, "id": 10}`); !reflect.DeepEqual(got, want) {
		t.Fatalf("after notifications got %s, want the call's response", jsonString(got))
	}
	seen := map[string]bool{}
	for range 3 + 1 { // update, notify_sum, notify_hello, and the mixed batch's notify_hello
		select {
		case n := <-notes:
			seen[n] = true
		case <-testCtx(t).Done():
			t.Fatalf("only %d notifications arrived", len(seen))
		}
	}
	for _, n := range []string{"/update", "/notify_sum", "/notify_hello"} {
		if !seen[n] {
			t.Errorf("notification %s did not reach its handler", n)
		}
	}
}

// TestJSONRPCParseErrors: invalid JSON is answered -32700 with a null id,
// and the stream, which can no longer be read reliably, is closed; the
// server keeps serving other connections.
func TestJSONRPCParseErrors(t *testing.T) {
	p, _ := specServer(t, jsonrpc.Format{})
	for name, req := range map[string]string{
		"invalid JSON":       `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`,
		"batch invalid JSON": `[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]`,
	} {
		t.Run(name, func(t *testing.T) {
			c := dialJR(t, p.addr)
			c.send(req)
			if got, want := c.read(), decodeJSON(t, `{"jsonrpc": "2.0", "error": {"code": -32700}, "id": null}`); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %s", jsonString(got))
			}
			var v any
			if err := c.dec.Decode(&v); err == nil {
				t.Fatalf("the stream stayed open after a parse error: %v", v)
			}
		})
	}
	c := dialJR(t, p.addr)
	c.send(`{"jsonrpc": "2.0", "method": "sum", "params": [2,3], "id": 1}`)
	if got := c.read(); jsonString(got) != `{"id":1,"jsonrpc":"2.0","result":5}` {
		t.Fatalf("after the parse errors: %s", jsonString(got))
	}
}

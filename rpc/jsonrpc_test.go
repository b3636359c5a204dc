package rpc_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
)

// specServer serves the methods of the JSON-RPC 2.0 specification's examples.
func specServer(t *testing.T) (*pair, chan string) {
	notes := make(chan string, 16)
	p := newPair(t, pairOptions{srv: rpc.Config{Format: jsonrpc.Format{}}, setup: func(srv *rpc.Endpoint) {
		srv.HandleCall("/subtract", rpc.CallFunc(func(_ *rpc.CallCtx, params *json.RawMessage) (int, error) {
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
		srv.HandleCall("/sum", rpc.CallFunc(func(_ *rpc.CallCtx, xs *[]int) (int, error) {
			s := 0
			for _, x := range *xs {
				s += x
			}
			return s, nil
		}))
		srv.HandleCall("/get_data", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) ([]any, error) { return []any{"hello", 5}, nil }))
		for _, name := range []string{"/update", "/notify_hello", "/notify_sum"} {
			srv.HandlePush(name, rpc.PushFunc(func(c *rpc.PushCtx, _ *json.RawMessage) error {
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

// TestJSONRPCSpecExamples sends the examples of the JSON-RPC 2.0
// specification, written by hand, to a real endpoint and checks the
// responses the specification gives (result, error code and id).
func TestJSONRPCSpecExamples(t *testing.T) {
	p, notes := specServer(t)
	c := dialJR(t, p.addr)
	cases := []struct{ name, req, want string }{
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
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.send(tc.req)
			if got, want := c.read(), decodeJSON(t, tc.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %s\nwant %s", jsonString(got), jsonString(want))
			}
		})
	}
	// Notifications get no response: the next response is the next call's.
	c.t = t
	c.send(`{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`)
	c.send(`{"jsonrpc": "2.0", "method": "foobar"}`)
	c.send(`[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]`)
	c.send(`{"jsonrpc": "2.0", "method": "sum", "params": [1,1], "id": 10}`)
	if got, want := c.read(), decodeJSON(t, `{"jsonrpc": "2.0", "result": 2, "id": 10}`); !reflect.DeepEqual(got, want) {
		t.Fatalf("after notifications got %s, want the call's response", jsonString(got))
	}
	seen := map[string]bool{}
	for range 3 + 1 { // update, notify_sum, notify_hello, and the batch's notify_hello
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
	p, _ := specServer(t)
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

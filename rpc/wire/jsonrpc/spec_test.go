package jsonrpc

import (
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// specExamples are the examples of section 7 of the JSON-RPC 2.0
// specification, with the responses it gives for them ("" for none).
var specExamples = []struct {
	name     string
	request  string
	response string
	pushes   []string
	closes   bool // the stream is out of step after it
}{
	{
		name:     "positional parameters",
		request:  `{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`,
		response: `{"jsonrpc": "2.0", "result": 19, "id": 1}`,
	},
	{
		name:     "positional parameters, reversed",
		request:  `{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`,
		response: `{"jsonrpc": "2.0", "result": -19, "id": 2}`,
	},
	{
		name:     "named parameters",
		request:  `{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`,
		response: `{"jsonrpc": "2.0", "result": 19, "id": 3}`,
	},
	{
		name:     "named parameters, other order",
		request:  `{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`,
		response: `{"jsonrpc": "2.0", "result": 19, "id": 4}`,
	},
	{
		name:    "notification",
		request: `{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`,
		pushes:  []string{"/update"},
	},
	{
		name:    "notification without params",
		request: `{"jsonrpc": "2.0", "method": "foobar"}`,
		pushes:  []string{"/foobar"},
	},
	{
		name:     "non-existent method",
		request:  `{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`,
		response: `{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}`,
	},
	{
		name:     "invalid JSON",
		request:  `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`,
		response: `{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`,
		closes:   true,
	},
	{
		name:     "invalid Request object",
		request:  `{"jsonrpc": "2.0", "method": 1, "params": "bar"}`,
		response: `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}`,
	},
	{
		name: "batch, invalid JSON",
		request: `[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]`,
		response: `{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`,
		closes:   true,
	},
	{
		name:     "empty array",
		request:  `[]`,
		response: `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}`,
	},
	{
		name:    "invalid batch, not empty",
		request: `[1]`,
		response: `[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
]`,
	},
	{
		name:    "invalid batch",
		request: `[1,2,3]`,
		response: `[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
]`,
	},
	{
		name: "batch",
		request: `[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"} 
    ]`,
		response: `[
        {"jsonrpc": "2.0", "result": 7, "id": "1"},
        {"jsonrpc": "2.0", "result": 19, "id": "2"},
        {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
        {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
    ]`,
		pushes: []string{"/notify_hello"},
	},
	{
		name: "batch of notifications",
		request: `[
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]`,
		pushes: []string{"/notify_sum", "/notify_hello"},
	},
}

func TestSpecExamples(t *testing.T) {
	for _, tt := range specExamples {
		t.Run(tt.name, func(t *testing.T) {
			f := wiretest.NewReader(Format{}, strings.NewReader(tt.request), 0)
			s := serve(t, f)
			if s.end != io.EOF {
				t.Fatalf("reading ended with %v, want io.EOF", s.end)
			}
			if tt.response == "" && len(s.out) != 0 {
				t.Fatalf("wrote %s, want nothing", s.out)
			}
			sameValues(t, s.out, []byte(tt.response))
			if !slices.Equal(s.pushes, tt.pushes) {
				t.Errorf("pushes %q, want %q", s.pushes, tt.pushes)
			}
			closed := slices.ContainsFunc(s.errs, func(me *wire.MessageError) bool { return me.Close })
			if closed != tt.closes {
				t.Errorf("a MessageError asks to close: %v, want %v", closed, tt.closes)
			}
		})
	}
}

// TestSpecExamplesOneStream sends every example that keeps the stream in
// step on one connection, one per line, and expects every response.
func TestSpecExamplesOneStream(t *testing.T) {
	var in, want strings.Builder
	var pushes []string
	for _, tt := range specExamples {
		if tt.closes {
			continue
		}
		in.WriteString(tt.request + "\n")
		pushes = append(pushes, tt.pushes...)
		if tt.response != "" {
			want.WriteString(tt.response + "\n")
		}
	}
	s := serve(t, wiretest.NewReader(Format{}, strings.NewReader(in.String()), 0))
	if s.end != io.EOF {
		t.Fatalf("reading ended with %v, want io.EOF", s.end)
	}
	// serve answers MessageErrors as they come and calls at the end, so
	// compare the responses as a set.
	got := values(t, s.out)
	exp := values(t, []byte(want.String()))
	for _, vs := range [][]any{got, exp} {
		for i := range vs {
			vs[i] = normalize(vs[i])
		}
		sortValues(vs)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("responses differ\ngot:  %s\nwant: %s", compact(s.out), compact([]byte(want.String())))
	}
	if !slices.Equal(pushes, s.pushes) {
		t.Errorf("pushes %q, want %q", s.pushes, pushes)
	}
}

// TestParseErrorCloses checks that the stream is given up after a value
// that is not JSON: the error asks to close, and nothing after it is read.
func TestParseErrorCloses(t *testing.T) {
	tests := []struct{ name, bad string }{
		{"invalid JSON", `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`},
		{"bad first byte", `}`},
		{"bare word", `hello`},
		{"mismatched bracket", `{"a":[1}`},
		{"control character in a string", "{\"a\":\"x\x01\"}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := `{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}` + "\n" + tt.bad + "\n" +
				`{"jsonrpc":"2.0","method":"sum","params":[3,4],"id":2}` + "\n"
			f := wiretest.NewReader(Format{}, strings.NewReader(stream), 0)
			var m wire.Message
			if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeCall {
				t.Fatalf("first request: %v %v", m.Type, err)
			}
			m.Reset()
			me := wiretest.AsMessageError(t, f.ReadMessage(&m), wire.ErrMalformed)
			if !me.Close || me.Type != wire.TypeCall || me.Code != wire.CodeBadMessage {
				t.Fatalf("MessageError %+v, want a CALL to answer with Close", me)
			}
			out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: 99, Error: "ignored"})
			if err != nil {
				t.Fatal(err)
			}
			sameValues(t, out, []byte(`{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`))
			m.Reset()
			if err := f.ReadMessage(&m); err != io.EOF {
				t.Fatalf("ReadMessage after the parse error: %v (%v), want io.EOF", err, m.Type)
			}
		})
	}
}

// TestInvalidRequestKeepsStream checks that a value that is JSON but not a
// valid request is answered and the next one read.
func TestInvalidRequestKeepsStream(t *testing.T) {
	tests := []struct {
		name, bad string
		id        string // the id the error carries
	}{
		{"method not a string", `{"jsonrpc":"2.0","method":1,"params":"bar"}`, "null"},
		{"wrong version", `{"jsonrpc":"1.0","method":"sum","id":7}`, "7"},
		{"version not a string", `{"jsonrpc":2.0,"method":"sum","id":7}`, "7"},
		{"no version", `{"method":"sum","id":"a"}`, `"a"`},
		{"params a string", `{"jsonrpc":"2.0","method":"sum","params":"x","id":8}`, "8"},
		{"params a number", `{"jsonrpc":"2.0","method":"sum","params":3}`, "null"},
		{"id an object", `{"jsonrpc":"2.0","method":"sum","id":{}}`, "null"},
		{"id true", `{"jsonrpc":"2.0","method":"sum","id":true}`, "null"},
		{"duplicate method", `{"jsonrpc":"2.0","method":"sum","method":"x","id":9}`, "9"},
		{"neither request nor response", `{"foo":"boo"}`, "null"},
		{"a number", `1`, "null"},
		{"a string", `"x"`, "null"},
		{"null", `null`, "null"},
		{"meta not strings", `{"jsonrpc":"2.0","method":"sum","meta":{"a":1},"id":10}`, "10"},
		{"meta an array", `{"jsonrpc":"2.0","method":"sum","meta":["a"],"id":10}`, "10"},
		{"timeout a string", `{"jsonrpc":"2.0","method":"sum","timeout_ms":"5","id":11}`, "11"},
		{"method key escaped, still a number", `{"jsonrpc":"2.0","\u006dethod":5,"id":12}`, "12"},
		{"unwrap not a boolean", `{"jsonrpc":"2.0","method":"sum","params":[1],"unwrap":1,"id":14}`, "14"},
		{"unwrap without params", `{"jsonrpc":"2.0","method":"sum","unwrap":true,"id":15}`, "15"},
		{"unwrap of an object", `{"jsonrpc":"2.0","method":"sum","params":{"a":1},"unwrap":true,"id":16}`, "16"},
		{"unwrap of two values", `{"jsonrpc":"2.0","method":"sum","params":[1,2],"unwrap":true,"id":17}`, "17"},
		{"unwrap of none", `{"jsonrpc":"2.0","method":"sum","params":[],"unwrap":true,"id":18}`, "18"},
		{"too deep", `{"jsonrpc":"2.0","method":"sum","params":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `,"id":13}`, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := tt.bad + "\n" + `{"jsonrpc":"2.0","method":"sum","params":[3,4],"id":2}`
			s := serve(t, wiretest.NewReader(Format{}, strings.NewReader(stream), 0))
			if s.end != io.EOF || len(s.errs) != 1 || s.errs[0].Close {
				t.Fatalf("end %v, errors %v; want one MessageError without Close, then io.EOF", s.end, s.errs)
			}
			if !strings.HasPrefix(s.errs[0].Err.Error(), "jsonrpc: ") {
				t.Errorf("error %q does not start with jsonrpc: ", s.errs[0].Err)
			}
			want := `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":` + tt.id + `}` +
				`{"jsonrpc":"2.0","result":7,"id":2}`
			sameValues(t, s.out, []byte(want))
		})
	}
}

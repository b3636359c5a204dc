package http

import (
	"encoding/json"
	"io"
	"reflect"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
)

// rpcFormat serves JSON-RPC 2.0 at /rpc.
var rpcFormat = Format{JSONRPCPath: "/rpc", JSONRPC: jsonrpc.Format{}}

// sameJSON fails the test unless got and want are the same JSON value.
func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("response body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body %s\nwant %s", got, want)
	}
}

// TestJSONRPCBodies posts JSON-RPC values to the JSON-RPC path, pipelined
// with a plain call: a single call, a batch (members handed out one by
// one, answered out of order, one response array in request order), a
// notification (204 at once), a parse error (200 with the error, the
// connection in step) and a body of responses (dropped: 204).
func TestJSONRPCBodies(t *testing.T) {
	input := post("/rpc", `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":7}`) +
		post("/rpc", `[{"jsonrpc":"2.0","method":"a","params":[1],"id":"x"},{"jsonrpc":"2.0","method":"note"},{"jsonrpc":"2.0","method":"b","id":9},{"x":1}]`) +
		post("/plain", "1") +
		post("/rpc", `{"jsonrpc":"2.0","method":"note","params":{"k":1}}`) +
		post("/rpc", `{"jsonrpc":"2.0","method":`) +
		post("/rpc", `{"jsonrpc":"2.0","result":1,"id":1}`)
	fr := serverOn(t, rpcFormat, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF {
		t.Fatalf("read %+v then %v", reads, err)
	}
	// add; a, note, b, {"x":1}; /plain; note; the parse error.
	if len(reads) != 8 {
		t.Fatalf("read %d messages, want 8: %+v", len(reads), reads)
	}
	methods := []string{"/add", "/a", "/note", "/b", "", "/plain", "/note", ""}
	seqs := map[uint32]bool{}
	for i, g := range reads {
		if g.m != nil && g.m.Method != methods[i] {
			t.Errorf("message %d: method %q, want %q", i, g.m.Method, methods[i])
		}
		if (g.me != nil) != (methods[i] == "") {
			t.Errorf("message %d: %+v", i, g)
		}
		if seqs[g.seq()] {
			t.Errorf("message %d: seq %d given twice", i, g.seq())
		}
		seqs[g.seq()] = true
	}
	if m := reads[0].m; m.Type != wire.TypeCall || m.Codec != 'j' || string(m.Body) != "[1,2]" {
		t.Fatalf("single call %+v", m)
	}
	if reads[2].m.Type != wire.TypePush || reads[6].m.Type != wire.TypePush {
		t.Fatalf("notifications %+v %+v", reads[2].m, reads[6].m)
	}
	// Answer in an order of the test's choosing: the batch's last member
	// first, the plain call before the batch completes.
	fr.answer(reads[4], nil)
	fr.answer(reads[3], &wire.Message{Codec: 'j', Body: []byte(`"b"`)})
	fr.answer(reads[5], &wire.Message{Codec: 'j', Body: []byte("1")})
	fr.answer(reads[2], nil)
	fr.answer(reads[6], nil)
	fr.answer(reads[7], nil)
	fr.answer(reads[0], &wire.Message{Codec: 'j', Body: []byte("3")})
	if q := fr.queued(); len(q) == 0 {
		t.Fatal("the single call's response was not written")
	}
	fr.answer(reads[1], &wire.Message{Code: wire.CodeNotFound, Error: "no /a"})
	rs := parseResponses(t, fr.queued(), "POST", "POST", "POST", "POST", "POST", "POST")
	for i, want := range []int{200, 200, 200, 204, 200, 204} {
		if rs[i].StatusCode != want {
			t.Errorf("response %d: status %d, want %d", i, rs[i].StatusCode, want)
		}
	}
	sameJSON(t, rs[0].body, `{"jsonrpc":"2.0","id":7,"result":3}`)
	sameJSON(t, rs[1].body, `[{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"no /a","data":{"code":5}}},`+
		`{"jsonrpc":"2.0","id":9,"result":"b"},`+
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":{"code":4,"detail":"neither \"method\" nor \"result\" nor \"error\""}}}]`)
	if rs[0].Header.Get("Content-Type") != "application/json" || rs[2].body != "1" {
		t.Fatalf("headers %v, plain body %q", rs[0].Header, rs[2].body)
	}
	var perr struct {
		ID    any
		Error struct{ Code int }
	}
	if err := json.Unmarshal([]byte(rs[4].body), &perr); err != nil || perr.Error.Code != jsonrpc.ParseError || perr.ID != nil {
		t.Fatalf("parse error response %q", rs[4].body)
	}
}

// TestJSONRPCBodyOrdinals checks that the messages of a JSON-RPC body,
// which take seqs of their own, leave the ordinals by which a cancel names
// a request as they were: a cancel after a batch still names the right
// call.
func TestJSONRPCBodyOrdinals(t *testing.T) {
	input := post("/rpc", `[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b","id":2}]`) +
		post("/slow", "1") + // ordinal 2
		cancelReq("2")
	fr := serverOn(t, rpcFormat, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 4 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	slow, cancel := reads[2].m, reads[3].m
	if slow.Method != "/slow" || cancel.Type != wire.TypeCancel || cancel.Seq != slow.Seq {
		t.Fatalf("cancel %+v of %+v; want the cancel of /slow", cancel, slow)
	}
}

// TestJSONRPCBodyRefusals: a body that is not application/json is 415, a
// format without JSONRPC answers the path 501, and a request that asks to
// close gets its messages before the go-away.
func TestJSONRPCBodyRefusals(t *testing.T) {
	text := "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"
	fr := serverOn(t, rpcFormat, text, 0)
	reads, _ := fr.readAll()
	if len(reads) != 1 || reads[0].me == nil || reads[0].me.Code != wire.CodeCodec {
		t.Fatalf("text/plain body: %+v", reads)
	}
	fr.answer(reads[0], nil)
	if r := parseResponses(t, fr.queued(), "POST")[0]; r.StatusCode != 415 {
		t.Fatalf("text/plain body: %d", r.StatusCode)
	}

	fr = serverOn(t, Format{JSONRPCPath: "/rpc"}, post("/rpc", "{}"), 0)
	reads, _ = fr.readAll()
	fr.answer(reads[0], nil)
	if r := parseResponses(t, fr.queued(), "POST")[0]; r.StatusCode != 501 {
		t.Fatalf("without JSONRPC: %d", r.StatusCode)
	}

	fr = serverOn(t, rpcFormat, post("/rpc", `[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b","id":2}]`, "Connection: close"), 0)
	var m wire.Message
	for i, want := range []wire.Type{wire.TypeCall, wire.TypeCall, wire.TypeGoAway} {
		m.Reset()
		if err := fr.f.ReadMessage(&m); err != nil || m.Type != want {
			t.Fatalf("read %d: %v, %v; want %v", i, m.Type, err, want)
		}
	}
}

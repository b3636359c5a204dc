package http

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// chunkedPost returns a POST request whose JSON body comes in chunks.
func chunkedPost(path string, chunks ...string) string {
	var b strings.Builder
	b.WriteString("POST " + path + " HTTP/1.1\r\nHost: dmicro\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
	for _, c := range chunks {
		b.WriteString(strconvHex(len(c)) + "\r\n" + c + "\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// strconvHex returns n in hexadecimal.
func strconvHex(n int) string {
	const digits = "0123456789abcdef"
	if n < 16 {
		return digits[n : n+1]
	}
	return strconvHex(n/16) + digits[n%16:n%16+1]
}

// checkOverBudget checks that err is the refusal of a message over the
// budget: a MessageError of type ty wrapping ErrOverBudget with
// CodeOverloaded that keeps the stream in step.
func checkOverBudget(t *testing.T, err error, ty wire.Type) *wire.MessageError {
	t.Helper()
	me := wiretest.AsMessageError(t, err, wire.ErrOverBudget)
	if me.Type != ty || me.Code != wire.CodeOverloaded || me.Close {
		t.Fatalf("MessageError %+v, want a %v with CodeOverloaded, not closing", me, ty)
	}
	return me
}

// TestBudgetRefusesBodies reads requests with a budget that holds one body
// of 100 bytes and a half: one body is read, the next, while the first is
// held, is refused and skipped (503, rpc code 13), a chunked body is
// refused at the chunk that passes the budget, and once the first is
// released a body is read again. The stream stays in step throughout, and
// every reservation is given back.
func TestBudgetRefusesBodies(t *testing.T) {
	body := `"` + strings.Repeat("x", 98) + `"`
	chunk := strings.Repeat("y", 60)
	input := post("/a", body) + post("/b", body) + chunkedPost("/c", `"`+chunk, chunk, chunk+`"`) + post("/d", body)
	budget := wire.NewBudget(150)
	fr := newFake(t, Format{}, strings.NewReader(input), wire.Options{Budget: budget})

	var held, m wire.Message
	if err := fr.f.ReadMessage(&held); err != nil || held.Method != "/a" {
		t.Fatalf("first request: %+v, %v", held, err)
	}
	if n := budget.Used(); n != int64(len(body)) {
		t.Fatalf("the budget holds %d bytes for a body of %d", n, len(body))
	}
	var refused []*wire.MessageError
	for range 2 {
		refused = append(refused, checkOverBudget(t, fr.f.ReadMessage(&m), wire.TypeCall))
		m.Reset()
		if n := budget.Used(); n != int64(len(body)) {
			t.Fatalf("the budget holds %d bytes after a refusal, want %d", n, len(body))
		}
	}
	first := held.Seq
	held.Release()
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget reserved after the release", n)
	}
	if err := fr.f.ReadMessage(&m); err != nil || m.Method != "/d" || string(m.Body) != body {
		t.Fatalf("the request after the refused ones: %+v, %v", m, err)
	}
	last := m.Seq
	m.Reset()
	if err := fr.f.ReadMessage(&m); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget reserved at the end", n)
	}

	fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: first})
	for _, me := range refused {
		fr.answer(got{me: me}, nil)
	}
	fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: last})
	for i, r := range parseResponses(t, fr.queued(), "POST", "POST", "POST", "POST") {
		want := 200
		if i == 1 || i == 2 {
			want = 503
			if code, _ := errorJSON(t, r.body); code != wire.CodeOverloaded {
				t.Errorf("response %d: rpc code %d, want %d", i, code, wire.CodeOverloaded)
			}
		}
		if r.StatusCode != want || r.Close {
			t.Errorf("response %d: status %d close %v, want %d, kept open", i, r.StatusCode, r.Close, want)
		}
	}
}

// TestBudgetRefusesResponseBodies reads responses with a budget smaller
// than one body: the call fails with CodeOverloaded, the body is skipped,
// and the next response is read.
func TestBudgetRefusesResponseBodies(t *testing.T) {
	big := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" + `"` + strings.Repeat("x", 98) + `"`
	chunked := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n" + strings.Repeat("1", 50) + "\r\n32\r\n" + strings.Repeat("2", 50) + "\r\n0\r\n\r\n"
	small := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n7"
	budget := wire.NewBudget(64)
	f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(big+chunked+small)), wire.Options{Client: true, Budget: budget})
	for _, seq := range []uint32{1, 2, 3} {
		if _, err := f.AppendMessage(nil, call(seq)); err != nil {
			t.Fatal(err)
		}
	}
	var m wire.Message
	for _, seq := range []uint32{1, 2} {
		if me := checkOverBudget(t, f.ReadMessage(&m), wire.TypeReply); me.Seq != seq {
			t.Fatalf("refused seq %d, want %d", me.Seq, seq)
		}
		m.Reset()
	}
	if err := f.ReadMessage(&m); err != nil || m.Seq != 3 || string(m.Body) != "7" {
		t.Fatalf("the response after: %+v, %v", m, err)
	}
	m.Reset()
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget reserved at the end", n)
	}
}

// TestBudgetJSONRPCBodies posts a JSON-RPC batch whose body fits in the
// budget with the copy of one member's params, not two: the second member
// read while the first is held is refused (a Server error with data.code
// 13 in the batch's response), the others are read, and every reservation
// is given back.
func TestBudgetJSONRPCBodies(t *testing.T) {
	params := `["` + strings.Repeat("p", 96) + `"]` // 100 bytes
	member := func(id string) string {
		return `{"jsonrpc":"2.0","method":"m","params":` + params + `,"id":` + id + `}`
	}
	batch := "[" + member("1") + "," + member("2") + "," + member("3") + "]"
	budget := wire.NewBudget(int64(len(batch) + 150))
	fr := newFake(t, rpcFormat, strings.NewReader(post("/rpc", batch)), wire.Options{Budget: budget})

	var first, m wire.Message
	if err := fr.f.ReadMessage(&first); err != nil || string(first.Body) != params {
		t.Fatalf("first member: %+v, %v", first, err)
	}
	me := checkOverBudget(t, fr.f.ReadMessage(&m), wire.TypeCall)
	m.Reset()
	fr.answer(got{me: me}, nil)
	fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: first.Seq, Codec: 'j', Body: []byte("1")})
	first.Release()
	if err := fr.f.ReadMessage(&m); err != nil || string(m.Body) != params {
		t.Fatalf("third member: %+v, %v", m, err)
	}
	fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: m.Seq, Codec: 'j', Body: []byte("3")})
	m.Reset()
	if err := fr.f.ReadMessage(&m); err != io.EOF {
		t.Fatalf("after the body: %v, want io.EOF", err)
	}
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget reserved at the end", n)
	}
	r := parseResponses(t, fr.queued(), "POST")[0]
	msg, _ := json.Marshal(me.Err.Error())
	sameJSON(t, r.body, `[{"jsonrpc":"2.0","id":1,"result":1},`+
		`{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":`+string(msg)+`,"data":{"code":13}}},`+
		`{"jsonrpc":"2.0","id":3,"result":3}]`)
}

// TestJSONRPCBatchCap posts a batch longer than the cap: it gets one
// error, with its length, and none of its members is handed out.
func TestJSONRPCBatchCap(t *testing.T) {
	ft := Format{JSONRPCPath: "/rpc", JSONRPC: jsonrpc.Format{MaxBatch: 3}}
	fr := serverOn(t, ft, post("/rpc", "[1,2,3,4]")+post("/rpc", "[1,2,3]"), 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 4 {
		t.Fatalf("read %+v then %v, want 1 + 3 refusals", reads, err)
	}
	if me := reads[0].me; me == nil || !errors.Is(me, wire.ErrTooLarge) || me.Code != wire.CodeTooLarge {
		t.Fatalf("the batch over the cap: %+v", reads[0])
	}
	for _, g := range reads {
		fr.answer(g, nil)
	}
	rs := parseResponses(t, fr.queued(), "POST", "POST")
	sameJSON(t, rs[0].body, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,`+
		`"message":"Invalid Request: batch of 4 members, at most 3","data":{"code":7,"detail":"batch of 4 members, at most 3"}}}`)
	var members []any
	if err := json.Unmarshal([]byte(rs[1].body), &members); err != nil || len(members) != 3 {
		t.Fatalf("the batch at the cap: %s, %v", rs[1].body, err)
	}
}

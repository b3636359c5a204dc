package jsonrpc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

func TestFormatName(t *testing.T) {
	if got := (Format{}).Name(); got != "jsonrpc" {
		t.Fatalf("Name() = %q", got)
	}
}

// TestIDsEchoExactly checks that every kind of id comes back byte for byte.
func TestIDsEchoExactly(t *testing.T) {
	ids := []string{
		`1`, `0`, `-0`, `"abc"`, `""`, `null`, `1.5`, `1e3`, `-2.5E-7`,
		`123456789012345678901234567890`, `18446744073709551616`,
		`"\u00e9\"quoted\""`, `"` + strings.Repeat("long", 30) + `"`,
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			req := `{"jsonrpc":"2.0","method":"echo","params":[1],"id":` + id + `}` +
				`[{"jsonrpc":"2.0","method":"echo","params":[2],"id":` + id + `}]`
			s := serve(t, wiretest.NewReader(Format{}, strings.NewReader(req), 0))
			// serve answers the calls in reverse order.
			want := `[{"jsonrpc":"2.0","id":` + id + `,"result":[2]}]` + "\n" +
				`{"jsonrpc":"2.0","id":` + id + `,"result":[1]}` + "\n"
			if string(s.out) != want {
				t.Fatalf("output\n%s\nwant\n%s", s.out, want)
			}
		})
	}
}

func TestMethodNames(t *testing.T) {
	tests := []struct{ method, want string }{
		{`"math/add"`, "/math/add"},
		{`"/math/add"`, "/math/add"},
		{`"subtract"`, "/subtract"},
		{`""`, "/"},
		{`"/"`, "/"},
		{`"\u002fmath\/add"`, "/math/add"},
		{`"m\u00e9thode"`, "/méthode"},
		{`"rpc.discover"`, "/rpc.discover"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			req := `{"jsonrpc":"2.0","method":` + tt.method + `,"id":1}`
			// Twice: the second read comes from the interning cache.
			f := wiretest.NewReader(Format{}, strings.NewReader(req+req), 0)
			for range 2 {
				var m wire.Message
				if err := f.ReadMessage(&m); err != nil {
					t.Fatal(err)
				}
				if m.Method != tt.want {
					t.Fatalf("method %q, want %q", m.Method, tt.want)
				}
			}
		})
	}
}

// TestRequestFields checks every field a request sets, the extensions
// included.
func TestRequestFields(t *testing.T) {
	req := `  {"id": 5, "timeout_ms": 1500, "params": {"a": [1, 2]}, "meta": {"author": "liu", "\u00e9": "x\ny", "empty": ""},` +
		` "unknown": {"method": 1}, "method": "svc/m", "jsonrpc": "2.0"}` + "\n" +
		`{"jsonrpc":"2.0","method":"n"}` +
		`{"jsonrpc":"2.0","method":"t","timeout_ms":0.0015}` +
		`{"jsonrpc":"2.0","method":"t","timeout_ms":-3}` +
		`{"jsonrpc":"2.0","method":"t","timeout_ms":1e300}` +
		`{"jsonrpc":"2.0","method":"t","timeout_ms":99999999999999999}`
	f := wiretest.NewReader(Format{}, strings.NewReader(req), 0)
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil {
		t.Fatal(err)
	}
	if m.Type != wire.TypeCall || m.Seq == 0 || m.Method != "/svc/m" || m.Timeout != 1500*time.Millisecond ||
		m.Codec != 'j' || m.ReplyCodec != 'j' || string(m.Body) != `{"a": [1, 2]}` || m.Code != 0 {
		t.Fatalf("call %+v", m)
	}
	if got := m.Meta.Map(); len(got) != 3 || got["author"] != "liu" || got["é"] != "x\ny" || got["empty"] != "" {
		t.Fatalf("meta %v", got)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != nil {
		t.Fatal(err)
	}
	if m.Type != wire.TypePush || m.Seq != 0 || m.Method != "/n" || m.Body != nil || m.Codec != 0 || m.ReplyCodec != 0 || m.Timeout != 0 || m.Meta.Len() != 0 {
		t.Fatalf("notification %+v", m)
	}
	for _, want := range []time.Duration{1500 * time.Nanosecond, 1, math.MaxInt64, math.MaxInt64} {
		m.Reset()
		if err := f.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		if m.Timeout != want {
			t.Errorf("timeout %v, want %v", m.Timeout, want)
		}
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// TestBatchOrder checks that a batch's response lists its members in
// request order whatever the order of the replies, and is written only
// with the last one.
func TestBatchOrder(t *testing.T) {
	req := `[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"n"},5,` +
		`{"jsonrpc":"2.0","method":"b","id":2},{"jsonrpc":"2.0","method":"c","id":3}]`
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}} {
		f := wiretest.NewReader(Format{}, strings.NewReader(req), 0)
		var seqs []uint32
		var m wire.Message
		for {
			m.Reset()
			err := f.ReadMessage(&m)
			if err == io.EOF {
				break
			}
			var me *wire.MessageError
			switch {
			case errors.As(err, &me):
				seqs = append(seqs, me.Seq)
			case err != nil:
				t.Fatal(err)
			case m.Type == wire.TypeCall:
				seqs = append(seqs, m.Seq)
			}
		}
		if len(seqs) != 4 {
			t.Fatalf("%d seqs to answer, want 4", len(seqs))
		}
		var out []byte
		for k, i := range order {
			r := &wire.Message{Type: wire.TypeReply, Seq: seqs[i], Codec: 'j', Body: []byte{byte('0' + i)}}
			var err error
			before := len(out)
			if out, err = f.AppendMessage(out, r); err != nil {
				t.Fatal(err)
			}
			if last := k == len(order)-1; last != (len(out) > before) {
				t.Fatalf("reply %d of %d wrote %q", k+1, len(order), out[before:])
			}
		}
		want := `[{"jsonrpc":"2.0","id":1,"result":0},` +
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":{"code":4,"detail":"not an object"}}},` +
			`{"jsonrpc":"2.0","id":2,"result":2},{"jsonrpc":"2.0","id":3,"result":3}]` + "\n"
		if string(out) != want {
			t.Fatalf("order %v:\n%s\nwant\n%s", order, out, want)
		}
	}
}

// TestClientRoundTrip sends calls and notifications from a client framer
// to a server framer and the replies back.
func TestClientRoundTrip(t *testing.T) {
	client := Format{}.NewFramer(nil, wire.Options{Client: true})
	call := &wire.Message{Type: wire.TypeCall, Seq: 7, Method: "/math/add", Codec: 'j', Body: []byte("[1,2]"), Timeout: 1500*time.Millisecond + 1}
	call.Meta.Set("trace", "abc\"\n")
	push := &wire.Message{Type: wire.TypePush, Method: "/events/tick", Codec: 'j', Body: []byte(`{"n":1}`)}
	bare := &wire.Message{Type: wire.TypeCall, Seq: math.MaxUint32, Method: "nested//path"}
	nullBody := &wire.Message{Type: wire.TypeCall, Seq: 9, Method: "//x", Codec: 'j', Body: []byte("null")}
	scalar := &wire.Message{Type: wire.TypePush, Method: "/s", Codec: 'j', Body: []byte(`"héllo"`)}
	var wireBytes []byte
	for _, m := range []*wire.Message{call, push, bare, nullBody, scalar} {
		var err error
		if wireBytes, err = client.AppendMessage(wireBytes, m); err != nil {
			t.Fatal(err)
		}
	}
	wantWire := `{"jsonrpc":"2.0","id":7,"method":"math/add","params":[1,2],"meta":{"trace":"abc\"\n"},"timeout_ms":1501}` + "\n" +
		`{"jsonrpc":"2.0","method":"events/tick","params":{"n":1}}` + "\n" +
		`{"jsonrpc":"2.0","id":4294967295,"method":"nested//path"}` + "\n" +
		`{"jsonrpc":"2.0","id":9,"method":"//x"}` + "\n" +
		`{"jsonrpc":"2.0","method":"s","params":["héllo"],"unwrap":true}` + "\n"
	if string(wireBytes) != wantWire {
		t.Fatalf("client wrote\n%s\nwant\n%s", wireBytes, wantWire)
	}

	server := wiretest.NewReader(Format{}, bytes.NewReader(wireBytes), 0)
	var got [5]wire.Message
	for i := range got {
		if err := server.ReadMessage(&got[i]); err != nil {
			t.Fatal(err)
		}
	}
	if m := &got[0]; m.Type != wire.TypeCall || m.Method != "/math/add" || string(m.Body) != "[1,2]" ||
		m.Meta.Get("trace") != "abc\"\n" || m.Timeout != 1501*time.Millisecond {
		t.Fatalf("server read %+v", m)
	}
	if m := &got[1]; m.Type != wire.TypePush || m.Method != "/events/tick" || string(m.Body) != `{"n":1}` {
		t.Fatalf("server read %+v", m)
	}
	if m := &got[2]; m.Method != "/nested//path" || m.Body != nil {
		t.Fatalf("server read %+v", m)
	}
	if m := &got[3]; m.Method != "//x" || m.Body != nil {
		t.Fatalf("server read %+v", m)
	}
	if m := &got[4]; m.Type != wire.TypePush || m.Method != "/s" || string(m.Body) != `"héllo"` || m.Codec != 'j' {
		t.Fatalf("server read %+v", m)
	}

	// The server's seqs are its own; the client sees its ids come back.
	var back []byte
	replies := []*wire.Message{
		{Type: wire.TypeReply, Seq: got[0].Seq, Codec: 'j', Body: []byte("3")},
		{Type: wire.TypeReply, Seq: got[2].Seq, Code: 1001, Error: "boom"},
		{Type: wire.TypeReply, Seq: got[3].Seq},
	}
	replies[0].Meta.Set("k", "v")
	for _, r := range replies {
		var err error
		if back, err = server.AppendMessage(back, r); err != nil {
			t.Fatal(err)
		}
	}
	for i := range got {
		got[i].Reset()
	}
	reader := Format{}.NewFramer(bufio.NewReader(bytes.NewReader(back)), wire.Options{Client: true})
	want := []struct {
		seq  uint32
		code int32
		msg  string
		body string
		meta string
	}{
		{7, 0, "", "3", "v"},
		{math.MaxUint32, 1001, "boom", "", ""},
		{9, 0, "", "null", ""},
	}
	for _, w := range want {
		var m wire.Message
		if err := reader.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		if m.Type != wire.TypeReply || m.Seq != w.seq || m.Code != w.code || m.Error != w.msg || string(m.Body) != w.body || m.Meta.Get("k") != w.meta {
			t.Fatalf("client read %+v, want %+v", m, w)
		}
		if w.body != "" && m.Codec != 'j' {
			t.Fatalf("reply codec %q", m.Codec)
		}
		m.Release()
	}
}

// TestReadResponses checks responses from other implementations, and
// response batches.
func TestReadResponses(t *testing.T) {
	type reply struct {
		seq  uint32
		code int32
		msg  string
		body string
	}
	tests := []struct {
		name string
		in   string
		want []reply
	}{
		{"result", `{"jsonrpc":"2.0","result":{"a":1},"id":3}`, []reply{{3, 0, "", `{"a":1}`}}},
		{"method not found", `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":4}`, []reply{{4, wire.CodeNotFound, "Method not found", ""}}},
		{"invalid params", `{"jsonrpc":"2.0","error":{"code":-32602,"message":"x"},"id":4}`, []reply{{4, wire.CodeInvalidArgument, "x", ""}}},
		{"invalid request", `{"jsonrpc":"2.0","error":{"code":-32600,"message":"x"},"id":4}`, []reply{{4, wire.CodeBadMessage, "x", ""}}},
		{"parse error", `{"jsonrpc":"2.0","error":{"code":-32700,"message":"x"},"id":4}`, []reply{{4, wire.CodeBadMessage, "x", ""}}},
		{"internal error", `{"jsonrpc":"2.0","error":{"code":-32603,"message":"x"},"id":4}`, []reply{{4, wire.CodeInternal, "x", ""}}},
		{"server error", `{"jsonrpc":"2.0","error":{"code":-32001,"message":"x","data":"text"},"id":4}`, []reply{{4, wire.CodeUnknown, "x", ""}}},
		{"application error", `{"jsonrpc":"2.0","error":{"code":42,"message":""},"id":4}`, []reply{{4, wire.CodeUnknown, "", ""}}},
		{"data code", `{"jsonrpc":"2.0","error":{"code":-32000,"message":"busy","data":{"code":13,"x":[1]}},"id":4}`, []reply{{4, wire.CodeOverloaded, "busy", ""}}},
		{"data code zero", `{"jsonrpc":"2.0","error":{"code":-32601,"message":"m","data":{"code":0}},"id":4}`, []reply{{4, wire.CodeNotFound, "m", ""}}},
		{"data code too big", `{"jsonrpc":"2.0","error":{"code":-32601,"message":"m","data":{"code":4294967296}},"id":4}`, []reply{{4, wire.CodeNotFound, "m", ""}}},
		{"escaped message", `{"jsonrpc":"2.0","error":{"code":1,"message":"a\u0062\n"},"id":4}`, []reply{{4, wire.CodeUnknown, "ab\n", ""}}},
		{"batch", `[{"jsonrpc":"2.0","result":1,"id":1}, {"jsonrpc":"2.0","result":[2],"id":2}]`, []reply{{1, 0, "", "1"}, {2, 0, "", "[2]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := wiretest.NewReader(Format{}, strings.NewReader(tt.in), 0)
			for _, w := range tt.want {
				var m wire.Message
				if err := f.ReadMessage(&m); err != nil {
					t.Fatal(err)
				}
				got := reply{m.Seq, m.Code, m.Error, string(m.Body)}
				if m.Type != wire.TypeReply || got != w {
					t.Fatalf("read %v %+v, want %+v", m.Type, got, w)
				}
				m.Release()
			}
			var m wire.Message
			if err := f.ReadMessage(&m); err != io.EOF {
				t.Fatalf("end: %v", err)
			}
		})
	}
}

// TestReadBadResponses checks responses that break the specification: the
// call they answer, when the id says which, fails.
func TestReadBadResponses(t *testing.T) {
	tests := []struct {
		name string
		in   string
		seq  uint32
	}{
		{"no version", `{"result":1,"id":3}`, 3},
		{"wrong version", `{"jsonrpc":"1.0","result":1,"id":3}`, 3},
		{"no id", `{"jsonrpc":"2.0","result":1}`, 0},
		{"result and error", `{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":""},"id":3}`, 3},
		{"error not an object", `{"jsonrpc":"2.0","error":"bad","id":3}`, 3},
		{"error code not an integer", `{"jsonrpc":"2.0","error":{"code":1.5,"message":""},"id":3}`, 3},
		{"error without message", `{"jsonrpc":"2.0","error":{"code":1},"id":3}`, 3},
		{"null id", `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`, 0},
		{"string id", `{"jsonrpc":"2.0","result":1,"id":"3"}`, 0},
		{"id zero", `{"jsonrpc":"2.0","result":1,"id":0}`, 0},
		{"id too big", `{"jsonrpc":"2.0","result":1,"id":4294967296}`, 0},
		{"id with a fraction", `{"jsonrpc":"2.0","result":1,"id":3.0}`, 0},
		{"duplicate result", `{"jsonrpc":"2.0","result":1,"result":2,"id":3}`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := wiretest.NewReader(Format{}, strings.NewReader(tt.in+`{"jsonrpc":"2.0","result":1,"id":8}`), 0)
			var m wire.Message
			me := wiretest.AsMessageError(t, f.ReadMessage(&m), wire.ErrMalformed)
			if me.Type != wire.TypeReply || me.Seq != tt.seq || me.Close {
				t.Fatalf("MessageError %+v, want a REPLY seq %d", me, tt.seq)
			}
			if !strings.HasPrefix(me.Err.Error(), "jsonrpc: invalid response: ") {
				t.Errorf("error %q", me.Err)
			}
			if err := f.ReadMessage(&m); err != nil || m.Seq != 8 {
				t.Fatalf("next response: seq %d, %v", m.Seq, err)
			}
		})
	}
}

// TestAppendNothing checks that messages JSON-RPC has no word for write
// nothing.
func TestAppendNothing(t *testing.T) {
	f := Format{}.NewFramer(nil, wire.Options{})
	for _, m := range []*wire.Message{
		{Type: wire.TypeCancel, Seq: 3, Code: wire.CodeDeadlineExceeded},
		{Type: wire.TypeGoAway},
		{Type: wire.TypeGoAway, Code: wire.CodeBadMessage, Error: "bye"},
		{Type: wire.TypeGoAwayAck},
	} {
		dst := []byte("abc")
		out, err := f.AppendMessage(dst, m)
		if err != nil || string(out) != "abc" {
			t.Fatalf("%v: %q, %v", m.Type, out, err)
		}
	}
}

// TestAppendRefuses checks the messages the format cannot carry.
func TestAppendRefuses(t *testing.T) {
	const limit = 256
	pending := func(f wire.Framer) uint32 {
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		return m.Seq
	}
	tests := []struct {
		name     string
		m        func(seq uint32) *wire.Message
		sentinel error
	}{
		{"type 0", func(uint32) *wire.Message { return &wire.Message{} }, wire.ErrMalformed},
		{"type 7", func(uint32) *wire.Message { return &wire.Message{Type: 7} }, wire.ErrMalformed},
		{"reply to no request", func(seq uint32) *wire.Message { return &wire.Message{Type: wire.TypeReply, Seq: seq + 1} }, wire.ErrMalformed},
		{"reply in protobuf", func(seq uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeReply, Seq: seq, Codec: 'p', Body: []byte{8, 1}}
		}, wire.ErrMalformed},
		{"reply with filters", func(seq uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeReply, Seq: seq, Codec: 'j', Body: []byte("1"), Filters: []byte{1}}
		}, wire.ErrMalformed},
		{"reply not JSON", func(seq uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeReply, Seq: seq, Codec: 'j', Body: []byte("{1}")}
		}, wire.ErrMalformed},
		{"reply two values", func(seq uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeReply, Seq: seq, Codec: 'j', Body: []byte("1 2")}
		}, wire.ErrMalformed},
		{"reply over the limit", func(seq uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeReply, Seq: seq, Codec: 'j', Body: []byte(`"` + strings.Repeat("x", limit) + `"`)}
		}, wire.ErrTooLarge},
		{"reply response over the limit", func(seq uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeReply, Seq: seq, Codec: 'j', Body: []byte(`"` + strings.Repeat("x", limit-30) + `"`)}
		}, wire.ErrTooLarge},
		{"call in protobuf", func(uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/m", Codec: 'p', Body: []byte("[1]")}
		}, wire.ErrMalformed},
		{"call without codec", func(uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/m", Body: []byte("[1]")}
		}, wire.ErrMalformed},
		{"push with filters", func(uint32) *wire.Message {
			return &wire.Message{Type: wire.TypePush, Method: "/m", Codec: 'j', Body: []byte("[1]"), Filters: []byte{1}}
		}, wire.ErrMalformed},
		{"call over the limit", func(uint32) *wire.Message {
			return &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/" + strings.Repeat("m", limit)}
		}, wire.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := wiretest.NewReader(Format{}, strings.NewReader(`{"jsonrpc":"2.0","method":"m","id":1}`), limit)
			seq := pending(f)
			dst := make([]byte, 3, 8)
			copy(dst, "abc")
			out, err := f.AppendMessage(dst, tt.m(seq))
			if !errors.Is(err, tt.sentinel) || !strings.HasPrefix(err.Error(), "jsonrpc: ") {
				t.Fatalf("AppendMessage error %v, want a jsonrpc: error wrapping %v", err, tt.sentinel)
			}
			if len(out) != 3 || cap(out) != 8 || &out[0] != &dst[0] || string(out) != "abc" {
				t.Fatalf("dst changed to %q (cap %d)", out, cap(out))
			}
			// The request is still waiting for its reply.
			out, err = f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: seq, Code: wire.CodeTooLarge, Error: "reply too large"})
			if err != nil {
				t.Fatal(err)
			}
			sameValues(t, out, []byte(`{"jsonrpc":"2.0","error":{"code":-32000,"message":"reply too large"},"id":1}`))
		})
	}
}

// TestErrorCodes checks the table that maps status codes to JSON-RPC
// error codes.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		code int32
		msg  string
		want string
	}{
		{wire.CodeNotFound, "no handler for /x", `{"code":-32601,"message":"no handler for /x","data":{"code":5}}`},
		{wire.CodeCodec, "", `{"code":-32602,"message":"Invalid params","data":{"code":6}}`},
		{wire.CodeInvalidArgument, "bad", `{"code":-32602,"message":"bad","data":{"code":16}}`},
		{wire.CodeBadMessage, "", `{"code":-32600,"message":"Invalid Request","data":{"code":4}}`},
		{wire.CodeInternal, "", `{"code":-32603,"message":"Internal error","data":{"code":14}}`},
		{wire.CodePanic, "handler panicked", `{"code":-32603,"message":"handler panicked","data":{"code":12}}`},
		{wire.CodeOverloaded, "", `{"code":-32000,"message":"Server error","data":{"code":13}}`},
		{wire.CodeDeadlineExceeded, "late", `{"code":-32000,"message":"late","data":{"code":3}}`},
		{wire.CodeUnknown, "", `{"code":-32000,"message":"Server error","data":{"code":1}}`},
		{1000, "user", `{"code":-32000,"message":"user","data":{"code":1000}}`},
		{-7, "negative", `{"code":-32000,"message":"negative","data":{"code":-7}}`},
	}
	for _, tt := range tests {
		f := wiretest.NewReader(Format{}, strings.NewReader(`{"jsonrpc":"2.0","method":"m","id":"x"}`), 0)
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: m.Seq, Code: tt.code, Error: tt.msg})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"jsonrpc":"2.0","id":"x","error":` + tt.want + `}` + "\n"
		if string(out) != want {
			t.Errorf("code %d:\n%s\nwant\n%s", tt.code, out, want)
		}
		// And back: a client reads the status code from the data.
		c := wiretest.NewReader(Format{}, bytes.NewReader(bytes.Replace(out, []byte(`"x"`), []byte("12"), 1)), 0)
		m.Reset()
		if err := c.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		wantMsg := tt.msg
		if wantMsg == "" {
			wantMsg = standardMessage(errorCode(tt.code))
		}
		if m.Type != wire.TypeReply || m.Seq != 12 || m.Code != tt.code || m.Error != wantMsg {
			t.Errorf("code %d read back as %+v", tt.code, m)
		}
	}
}

// TestReplyErrorShortened checks that an error response too large with its
// message goes out with the standard message.
func TestReplyErrorShortened(t *testing.T) {
	f := wiretest.NewReader(Format{}, strings.NewReader(`{"jsonrpc":"2.0","method":"m","id":1}`), 200)
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil {
		t.Fatal(err)
	}
	out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: m.Seq, Code: wire.CodeNotFound, Error: strings.Repeat("long ", 100)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found","data":{"code":5}}}` + "\n"
	if string(out) != want {
		t.Fatalf("got %s", out)
	}
}

// TestBatchResponseLimit checks that results that would take a batch's
// response over the limit are refused, and the error replies that follow
// accepted.
func TestBatchResponseLimit(t *testing.T) {
	const limit = 400
	req := `[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b","id":2}]`
	f := wiretest.NewReader(Format{}, strings.NewReader(req), limit)
	var seqs []uint32
	for range 2 {
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, m.Seq)
	}
	big := []byte(`"` + strings.Repeat("x", 200) + `"`)
	out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: seqs[0], Codec: 'j', Body: big})
	if err != nil || len(out) != 0 {
		t.Fatalf("first result: %q, %v", out, err)
	}
	if _, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: seqs[1], Codec: 'j', Body: big}); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("second result: %v, want ErrTooLarge", err)
	}
	out, err = f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: seqs[1], Code: wire.CodeTooLarge, Error: strings.Repeat("e", limit)})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"jsonrpc":"2.0","id":1,"result":` + string(big) + `},` +
		`{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"Server error","data":{"code":7}}}]` + "\n"
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
}

// TestReadReleasesBuffers checks who holds the pooled value buffer: the
// message of a single request with params, and the last member of a
// batch, whose Body point into it; other messages own copies.
func TestReadReleasesBuffers(t *testing.T) {
	in := `{"jsonrpc":"2.0","method":"a","params":[1],"id":1}` +
		`[{"jsonrpc":"2.0","method":"b","params":[2],"id":2},{"jsonrpc":"2.0","method":"c","params":[3]}]` +
		`{"jsonrpc":"2.0","method":"d","id":3}`
	budget := wire.NewBudget(0) // counts what the buffers hold
	f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(in)), wire.Options{Budget: budget})
	var msgs [4]wire.Message
	for i := range msgs {
		if err := f.ReadMessage(&msgs[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Every body is intact while all the messages are alive.
	for i, want := range []string{"[1]", "[2]", "[3]", ""} {
		if string(msgs[i].Body) != want {
			t.Fatalf("message %d body %q, want %q", i, msgs[i].Body, want)
		}
		msgs[i].Release()
	}
	if x := f.(*framer).x; x.val != nil || budget.Used() != 0 {
		t.Fatalf("the exchange keeps a value it has finished (%d bytes reserved)", budget.Used())
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		prefix string
		want   wire.SniffResult
	}{
		{"", wire.NeedMore},
		{"   \r\n\t", wire.NeedMore},
		{strings.Repeat(" ", 16), wire.No},
		{"{", wire.NeedMore},
		{"{\"jsonrpc\"", wire.Yes},
		{"{\"", wire.Yes},
		{"{}", wire.Yes},
		{"\n  {\n    \"method\"", wire.Yes},
		{"{ ", wire.NeedMore},
		{"{" + strings.Repeat(" ", 15), wire.Yes},
		{"{x", wire.No},
		{"{1", wire.No},
		{"[", wire.NeedMore},
		{"[{", wire.Yes},
		{"[ ]", wire.Yes},
		{"[1,2,3]", wire.Yes},
		{"[\"a\"]", wire.Yes},
		{"[-1]", wire.Yes},
		{"[null]", wire.Yes},
		{"[}", wire.No},
		{"[:", wire.No},
		{"\x00\x00\x00\x28\x01\x01\x05\x6a", wire.No}, // a raw frame
		{"\x00\x00\x00\x10{\"a\":1}", wire.No},        // a length-prefixed JSON frame
		{"POST / HTTP/1.1\r\n", wire.No},
		{"GET / HTTP/1.1\r\n", wire.No},
		{"PRI * HTTP/2.0", wire.No},
		{"\x16\x03\x01", wire.No}, // TLS
		{"1", wire.No},
		{"\"jsonrpc\"", wire.No},
	}
	for _, tt := range tests {
		if got := (Format{}).Sniff([]byte(tt.prefix)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.prefix, got, tt.want)
		}
	}
}

// TestValidate checks the JSON check against encoding/json's on chosen
// inputs; FuzzValidate compares them on arbitrary ones.
func TestValidate(t *testing.T) {
	for _, s := range []string{
		`0`, `-0`, `-0.0e+1`, `1E9`, `01`, `-`, `1.`, `.5`, `1e`, `+1`, `[1,]`, `{"a":1,}`, `{"a"}`, `{1:2}`,
		`"\u00zz"`, `"\x"`, "\"\t\"", `"\/"`, `"\ud800"`, ` [ ] `, `[] []`, `tru`, `nul`, `true false`,
		`{"a":{"b":[{"c":null}]}}`, `[[[[]]]]`, `[[[[]]]`, `{"a":1}}`, "\"\xff\"", `"`, `{`, `[`, ``, ` `,
	} {
		if got, want := validate([]byte(s)) == nil, jsonValid([]byte(s)); got != want {
			t.Errorf("validate(%q) accepts: %v, encoding/json: %v", s, got, want)
		}
	}
	if err := validate([]byte(strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth))); err != nil {
		t.Errorf("depth %d refused: %v", maxDepth, err)
	}
	if err := validate([]byte(strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1))); err != errTooDeep {
		t.Errorf("depth %d: %v, want errTooDeep", maxDepth+1, err)
	}
	if err := validate([]byte(strings.Repeat(`{"a":`, maxDepth+1))); err != errTooDeep {
		t.Errorf("deep objects: %v, want errTooDeep", err)
	}
}

// TestQuoting checks that strings written are what encoding/json reads.
func TestQuoting(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\ slash/", "\x00\x01\x1f\n\r\t\b\f", "é中😀", "\xff\xfe", "a\u2028b\u2029", "<&>"} {
		q := appendQuoted(nil, s)
		if !jsonValid(q) {
			t.Fatalf("appendQuoted(%q) = %s is not JSON", s, q)
		}
		var back string
		if err := jsonUnmarshal(q, &back); err != nil {
			t.Fatal(err)
		}
		if want := string([]rune(s)); back != want { // one U+FFFD per invalid byte
			t.Errorf("appendQuoted(%q) reads back as %q", s, back)
		}
		if got := unquote(q); got != back {
			t.Errorf("unquote(%s) = %q, encoding/json %q", q, got, back)
		}
	}
	for _, tok := range []string{`"\ud83d\ude00"`, `"\ud800"`, `"\ud800x"`, `"\udc00\ud800"`, `"\ud800\u0041"`, `"\u00e9\/\b"`} {
		var want string
		if err := jsonUnmarshal([]byte(tok), &want); err != nil {
			t.Fatal(err)
		}
		if got := unquote([]byte(tok)); got != want {
			t.Errorf("unquote(%s) = %q, encoding/json %q", tok, got, want)
		}
	}
}

func TestExtensionsUnknownToPeers(t *testing.T) {
	// A call with every extension still decodes, field by field, as what
	// any implementation expects, and the extensions are plain members.
	f := Format{}.NewFramer(nil, wire.Options{})
	m := &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/a", Timeout: time.Second, Codec: 'j', Body: []byte("[]")}
	m.Meta.Set("k", "v")
	out, err := f.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		JSONRPC string            `json:"jsonrpc"`
		Method  string            `json:"method"`
		Params  []int             `json:"params"`
		ID      int               `json:"id"`
		Meta    map[string]string `json:"meta"`
		Timeout int               `json:"timeout_ms"`
	}
	if err := jsonUnmarshal(out, &req); err != nil {
		t.Fatal(err)
	}
	if req.JSONRPC != "2.0" || req.Method != "a" || req.ID != 1 || req.Meta["k"] != "v" || req.Timeout != 1000 || !slices.Equal(req.Params, []int{}) {
		t.Fatalf("%+v", req)
	}
}

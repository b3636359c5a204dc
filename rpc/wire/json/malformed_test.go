package json

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestReadMalformed(t *testing.T) {
	const (
		call  = wire.TypeCall
		reply = wire.TypeReply
		head  = `{"v":1,"type":1,"seq":5` // a valid call header, to go on with
		rhead = `{"v":1,"type":2,"seq":5`
	)
	tests := []struct {
		name    string
		frame   []byte
		wantTy  wire.Type
		wantSeq uint32
		reason  string // a part of the error text
	}{
		{"empty frame", frame(""), 0, 0, "empty frame"},
		{"leading space", frame(` {"v":1,"type":1,"seq":5}`), 0, 0, "does not start with '{'"},
		{"array", frame(`[1]`), 0, 0, "does not start with '{'"},
		{"not json", frame(`{x}`), 0, 0, "invalid character 'x'"},
		{"cut short", frame(head), call, 0, "unexpected end of JSON input"},
		{"syntax error after the header", frame(head + `,"method":/m}`), call, 5, "invalid character '/' looking for beginning of value at offset"},
		{"bytes after the object", frame(head + `}x`), call, 5, "after top-level value"},
		{"two objects", frame(head + `}{"v":1,"type":1}`), call, 5, "after top-level value"},
		{"raw newline in a string", frame(head + `,"method":"a` + "\n" + `"}`), call, 5, "invalid character"},
		{"too deep", frame(head + `,"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`), call, 5, "exceeded max depth"},
		{"missing v", frame(`{"type":1,"seq":5}`), 0, 0, `missing "v"`},
		{"v 2", frame(`{"v":2,"type":1,"seq":5}`), 0, 0, "unsupported version 2"},
		{"v 0", frame(`{"v":0,"type":1,"seq":5}`), 0, 0, "unsupported version 0"},
		{"v string", frame(`{"v":"1","type":1,"seq":5}`), 0, 0, `unsupported version "1"`},
		{"v 1.0", frame(`{"v":1.0,"type":1,"seq":5}`), 0, 0, "unsupported version 1.0"},
		{"v null", frame(`{"v":null,"type":1,"seq":5}`), 0, 0, "unsupported version null"},
		{"missing type", frame(`{"v":1,"seq":5}`), 0, 5, `missing "type"`},
		{"type 0", frame(`{"v":1,"type":0,"seq":5}`), 0, 5, "invalid message type 0"},
		{"type 7", frame(`{"v":1,"type":7,"seq":5}`), 0, 5, "invalid message type 7"},
		{"type 257", frame(`{"v":1,"type":257,"seq":5}`), 0, 5, "invalid message type 257"},
		{"type -1", frame(`{"v":1,"type":-1,"seq":5}`), 0, 5, "invalid message type -1"},
		{"type 1e0", frame(`{"v":1,"type":1e0,"seq":5}`), 0, 5, "invalid message type 1e0"},
		{"type string", frame(`{"v":1,"type":"CALL","seq":5}`), 0, 5, `invalid message type "CALL"`},
		{"seq -1", frame(`{"v":1,"type":1,"seq":-1}`), 0, 0, `"seq" -1 is not an integer from 0 to 4294967295`},
		{"seq 2^32", frame(`{"v":1,"type":1,"seq":4294967296}`), 0, 0, `"seq" 4294967296 is not`},
		{"seq 2^64", frame(`{"v":1,"type":1,"seq":18446744073709551616}`), 0, 0, `"seq" 18446744073709551616 is not`},
		{"seq fraction", frame(`{"v":1,"type":1,"seq":5.5}`), 0, 0, `"seq" 5.5 is not`},
		{"seq long", frame(`{"v":1,"type":1,"seq":1234567890123456789012345678901234567890}`), 0, 0, `"seq" 123456789012345678901234... is not`},
		{"method number", frame(head + `,"method":1}`), call, 5, `"method" is not a string`},
		{"method null", frame(head + `,"method":null}`), call, 5, `"method" is not a string`},
		{"method array", frame(head + `,"method":["/m"]}`), call, 5, `"method" is not a string`},
		{"timeout zero", frame(head + `,"timeout_us":0}`), call, 5, "zero timeout"},
		{"timeout negative", frame(head + `,"timeout_us":-1}`), call, 5, `"timeout_us" -1 is not an integer`},
		{"timeout fraction", frame(head + `,"timeout_us":1.5}`), call, 5, `"timeout_us" 1.5 is not an integer`},
		{"timeout over 64 bits", frame(head + `,"timeout_us":18446744073709551616}`), call, 5, `"timeout_us" 18446744073709551616 is not`},
		{"code above int32", frame(rhead + `,"code":2147483648}`), reply, 5, `"code" 2147483648 is not an integer within 32 bits`},
		{"code below int32", frame(rhead + `,"code":-2147483649}`), reply, 5, `"code" -2147483649 is not`},
		{"code string", frame(rhead + `,"code":"5"}`), reply, 5, `"code" "5" is not`},
		{"code fraction", frame(rhead + `,"code":5.0}`), reply, 5, `"code" 5.0 is not`},
		{"error number", frame(rhead + `,"code":5,"error":5}`), reply, 5, `"error" is not a string`},
		{"error without code", frame(rhead + `,"error":"x"}`), reply, 5, `"error" without a non-zero "code"`},
		{"error with code 0", frame(rhead + `,"code":0,"error":"x"}`), reply, 5, `"error" without a non-zero "code"`},
		{"meta object", frame(head + `,"meta":{"a":"b"}}`), call, 5, `"meta" is not an array`},
		{"meta null", frame(head + `,"meta":null}`), call, 5, `"meta" is not an array`},
		{"meta flat", frame(head + `,"meta":["a","b"]}`), call, 5, `"meta" pair 0 is not an array`},
		{"meta pair not array", frame(head + `,"meta":[["a","b"],"c"]}`), call, 5, `"meta" pair 1 is not an array`},
		{"meta empty pair", frame(head + `,"meta":[[]]}`), call, 5, `"meta" pair 0: element 0 is not a string`},
		{"meta one string", frame(head + `,"meta":[["a"]]}`), call, 5, `"meta" pair 0 has fewer than two strings`},
		{"meta three strings", frame(head + `,"meta":[["a","b","c"]]}`), call, 5, `"meta" pair 0 has more than two elements`},
		{"meta key number", frame(head + `,"meta":[[1,"b"]]}`), call, 5, `"meta" pair 0: element 0 is not a string`},
		{"meta value null", frame(head + `,"meta":[["a","b"],["a",null]]}`), call, 5, `"meta" pair 1: element 1 is not a string`},
		{"codec 256", frame(head + `,"codec":256}`), call, 5, `"codec" 256 is not an integer from 0 to 255`},
		{"codec -1", frame(head + `,"codec":-1}`), call, 5, `"codec" -1 is not`},
		{"codec letter", frame(head + `,"codec":"j"}`), call, 5, `"codec" "j" is not`},
		{"filters empty", frame(head + `,"filters":[]}`), call, 5, `empty "filters"`},
		{"filters not array", frame(head + `,"filters":"AQ=="}`), call, 5, `"filters" is not an array`},
		{"filter 0", frame(head + `,"filters":[1,0]}`), call, 5, `filter 1 is not an integer from 1 to 255`},
		{"filter 256", frame(head + `,"filters":[256]}`), call, 5, `filter 0 is not`},
		{"filter -1", frame(head + `,"filters":[-1]}`), call, 5, `filter 0 is not`},
		{"filter fraction", frame(head + `,"filters":[1.5]}`), call, 5, `filter 0 is not`},
		{"filter nested", frame(head + `,"filters":[[1]]}`), call, 5, `filter 0 is not`},
		{"filter null", frame(head + `,"filters":[null]}`), call, 5, `filter 0 is not`},
		{"256 filters", frame(head + `,"filters":[` + strings.Repeat("1,", 255) + `1]}`), call, 5, `more than 255 "filters"`},
		{"body and body64", frame(head + `,"body":1,"body64":"MQ=="}`), call, 5, `both "body" and "body64"`},
		{"body64 number", frame(head + `,"body64":1}`), call, 5, `"body64" is not a string`},
		{"body64 null", frame(head + `,"body64":null}`), call, 5, `"body64" is not a string`},
		{"body64 not base64", frame(head + `,"body64":"!!!!"}`), call, 5, `"body64": illegal base64 data at input byte 0`},
		{"body64 without padding", frame(head + `,"body64":"QQ"}`), call, 5, `"body64": illegal base64 data`},
		{"body64 unused bits set", frame(head + `,"body64":"QR=="}`), call, 5, `"body64": illegal base64 data`},
		{"body64 url alphabet", frame(head + `,"body64":"-_8="}`), call, 5, `"body64": illegal base64 data`},
		{"later member broken", frame(head + `,"method":"/m","timeout_us":5,"meta":[["k","v"]],"codec":106,"filters":[0],"body":[1]}`), call, 5, "filter 0 is not"},
	}
	next := msg(wire.TypeCall, 99, "/next", "ok", "k", "v")
	next.Filters = []byte{1}
	nextFrame := encode(t, 0, next)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newReadFramer(bytes.NewReader(slices.Concat(tt.frame, nextFrame)), 0)
			var m wire.Message
			err := f.ReadMessage(&m)
			me := asMessageError(t, err, wire.ErrMalformed)
			if me.Type != tt.wantTy || me.Seq != tt.wantSeq {
				t.Errorf("MessageError %v seq %d, want %v seq %d", me.Type, me.Seq, tt.wantTy, tt.wantSeq)
			}
			if !strings.HasPrefix(err.Error(), "json: ") || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q, want a json: error containing %q", err, tt.reason)
			}
			m.Reset()
			if err := f.ReadMessage(&m); err != nil {
				t.Fatalf("ReadMessage after the malformed frame: %v", err)
			}
			if d := diffMessage(&m, next); d != "" {
				t.Fatalf("frame after the malformed one: %s", d)
			}
			m.Release()
		})
	}
}

// TestReadLenient checks what the reader accepts although the writer never
// produces it.
func TestReadLenient(t *testing.T) {
	withMeta := func(m *wire.Message, kv ...string) *wire.Message {
		for i := 0; i+1 < len(kv); i += 2 {
			m.Meta.Append(kv[i], kv[i+1])
		}
		return m
	}
	tests := []struct {
		name string
		text string
		want *wire.Message
	}{
		{"members in another order", `{"body64":"MQ==","seq":3,"method":"/m","type":1,"v":1}`,
			&wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Body: []byte("1")}},
		{"white space inside and after", "{ \"v\" : 1 ,\n\t\"type\" : 3 , \"meta\" : [ [ \"k\" , \"v\" ] , [\"a\",\"b\"] ] ,\r\n \"filters\" : [ 1 , 2 ] } \n",
			withMeta(&wire.Message{Type: wire.TypePush, Filters: []byte{1, 2}}, "k", "v", "a", "b")},
		{"unknown members", `{"v":1,"type":3,"future":{"a":[1,{"b":null}]},"x":"y","method":"/m","z":[true,false]}`,
			&wire.Message{Type: wire.TypePush, Method: "/m"}},
		{"repeated members, the last wins", `{"v":1,"type":1,"type":3,"method":"/a","method":"/b","body":1,"body":[2]}`,
			&wire.Message{Type: wire.TypePush, Method: "/b", Body: []byte("[2]")}},
		{"names in another case", `{"V":1,"Type":2,"SEQ":7,"Body64":"MQ=="}`,
			&wire.Message{Type: wire.TypeReply, Seq: 7, Body: []byte("1")}},
		{"escaped names", `{"\u0076":1,"typ\u0065":2}`, &wire.Message{Type: wire.TypeReply}},
		{"escaped strings", `{"v":1,"type":3,"method":"\/m\u00e9\ud83d\ude00","meta":[["\"k\"","a\\b\n\u0000"]]}`,
			withMeta(&wire.Message{Type: wire.TypePush, Method: "/m\u00e9\U0001F600"}, `"k"`, "a\\b\n\x00")},
		{"lone surrogate", `{"v":1,"type":3,"method":"\ud800x"}`, &wire.Message{Type: wire.TypePush, Method: "\uFFFDx"}},
		{"invalid utf-8", "{\"v\":1,\"type\":3,\"method\":\"a\xffb\",\"meta\":[[\"\xc3\",\"\xe2\x82\"]]}",
			withMeta(&wire.Message{Type: wire.TypePush, Method: "a\uFFFDb"}, "\uFFFD", "\uFFFD\uFFFD")},
		{"minus zero", `{"v":1,"type":1,"seq":-0}`, &wire.Message{Type: wire.TypeCall}},
		{"zero values present", `{"v":1,"type":2,"seq":0,"method":"","code":0,"error":"","meta":[],"codec":0,"body64":""}`,
			&wire.Message{Type: wire.TypeReply}},
		{"json body without the json codec", `{"v":1,"type":2,"body":{"a":1}}`, &wire.Message{Type: wire.TypeReply, Body: []byte(`{"a":1}`)}},
		{"json body null", `{"v":1,"type":2,"codec":106,"body":null}`, &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: []byte(`null`)}},
		{"json body as given", `{"v":1,"type":2,"codec":106,"body": [ 1.0e0 ,"\u0041" ] }`,
			&wire.Message{Type: wire.TypeReply, Codec: 'j', Body: []byte(`[ 1.0e0 ,"\u0041" ]`)}},
		{"escaped base64", `{"v":1,"type":2,"body64":"\/w\u003d\u003d"}`, &wire.Message{Type: wire.TypeReply, Body: []byte{0xff}}},
		{"timeout beyond time.Duration", `{"v":1,"type":1,"timeout_us":18446744073709551615}`,
			&wire.Message{Type: wire.TypeCall, Timeout: math.MaxInt64}},
		{"timeout", `{"v":1,"type":1,"timeout_us":1}`, &wire.Message{Type: wire.TypeCall, Timeout: time.Microsecond}},
		{"repeated metadata key", `{"v":1,"type":3,"meta":[["k","1"],["k","2"]]}`,
			withMeta(&wire.Message{Type: wire.TypePush}, "k", "1", "k", "2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newReadFramer(bytes.NewReader(frame(tt.text)), 0)
			var m wire.Message
			if err := f.ReadMessage(&m); err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			if d := diffMessage(&m, tt.want); d != "" {
				t.Fatalf("%s: got %+v", d, m)
			}
			m.Release()
		})
	}
}

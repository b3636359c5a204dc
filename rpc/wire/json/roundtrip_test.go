package json

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestFormatName(t *testing.T) {
	if got := (Format{}).Name(); got != "json" {
		t.Fatalf("Name() = %q, want %q", got, "json")
	}
}

// awkward holds strings that a JSON writer must escape, or cannot carry
// as they are.
const awkward = "q\"uo\\te /slash\x00\x01\x1f\x7f\b\f\n\r\t é \u2028 \U0001F600 bad\xff\xfe end\xe2\x82"

func TestRoundTrip(t *testing.T) {
	const limit = 64 << 10

	filters255 := make([]byte, 255)
	for i := range filters255 {
		filters255[i] = byte(i%255 + 1)
	}
	// nearLimit and nearLimitJSON get a body that makes their frame exactly
	// limit bytes: base64 grows in steps of four, so the binary body is
	// shortened until it fits, and the frame is at most three bytes short.
	nearLimit := msg(wire.TypeCall, 77, "/big/upload", "", "k", "v")
	nearLimit.Codec = 'p'
	nearLimit.Body = bytes.Repeat([]byte{0xab}, (limit-len(encode(t, limit, nearLimit))-len(`,"body64":""`))/4*3)
	nearLimitJSON := msg(wire.TypeCall, 78, "/big/upload", "", "k", "v")
	nearLimitJSON.Codec = codecJSON
	nearLimitJSON.Body = []byte(`""`)
	nearLimitJSON.Body = []byte(`"` + strings.Repeat("x", limit-len(encode(t, limit, nearLimitJSON))) + `"`)
	deep := strings.Repeat("[", maxBodyDepth+1) + strings.Repeat("]", maxBodyDepth+1)

	tests := []struct {
		name string
		m    *wire.Message
	}{
		{"call minimal", msg(wire.TypeCall, 1, "/a", "")},
		{"call empty method", msg(wire.TypeCall, 2, "", "x")},
		{"call json body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/math/add", Codec: codecJSON, Body: []byte("[1,2,3]")}},
		{"call json body with spaces inside", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte(`{ "a" : [ 1 , 2.5e3 ] , "b":"\u00e9\n" }`)}},
		{"call json string body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte(`"a\"b\\c"`)}},
		{"call json null body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte(`null`)}},
		{"call json body with space around", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte(" [1]\n")}},
		{"call json codec, body not json", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte("[1,2")}},
		{"call json codec, two values", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte("1 2")}},
		{"call json codec, invalid utf-8", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte("\"\xff\"")}},
		{"call json codec, deep body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codecJSON, Body: []byte(deep)}},
		{"call binary body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: 'p', Body: []byte{0, 1, 2, 0xff, '"', '\\'}}},
		{"call json-looking body, other codec", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: 's', Body: []byte("[1]")}},
		{"call body without codec", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Body: []byte("x")}},
		{"call timeout whole us", &wire.Message{Type: wire.TypeCall, Seq: 4, Method: "/t", Timeout: 2 * time.Second}},
		{"call timeout rounded up", &wire.Message{Type: wire.TypeCall, Seq: 5, Method: "/t", Timeout: time.Nanosecond}},
		{"call timeout 1001ns", &wire.Message{Type: wire.TypeCall, Seq: 6, Method: "/t", Timeout: 1001}},
		{"call timeout expired", &wire.Message{Type: wire.TypeCall, Seq: 7, Method: "/t", Timeout: -time.Hour}},
		{"call timeout max", &wire.Message{Type: wire.TypeCall, Seq: 8, Method: "/t", Timeout: math.MaxInt64}},
		{"call meta", msg(wire.TypeCall, 9, "/m", "b", "author", "liu", "empty", "", "", "empty key")},
		{"call repeated meta key", msg(wire.TypeCall, 10, "/m", "", "k", "1", "k", "2")},
		{"call awkward strings", msg(wire.TypeCall, 10, "/m/"+awkward, "", awkward, awkward, "k", awkward)},
		{"call filters", &wire.Message{Type: wire.TypeCall, Seq: 11, Method: "/f", Filters: []byte{1, 2, 3}, Body: []byte{0, 1, 2}}},
		{"call 255 filters", &wire.Message{Type: wire.TypeCall, Seq: 12, Method: "/f", Filters: filters255}},
		{"call everything", func() *wire.Message {
			m := msg(wire.TypeCall, math.MaxUint32, "/svc/everything", `{"x":1}`, "a", "b", "c", "d")
			m.Timeout, m.Codec, m.Filters = 1500*time.Millisecond, codecJSON, []byte{7, 9, 255}
			return m
		}()},
		{"call near limit", nearLimit},
		{"call near limit, json body", nearLimitJSON},
		{"reply success", &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: codecJSON, Body: []byte("6")}},
		{"reply empty body", msg(wire.TypeReply, 2, "", "")},
		{"reply error", &wire.Message{Type: wire.TypeReply, Seq: 3, Code: 5, Error: "not found"}},
		{"reply awkward error", &wire.Message{Type: wire.TypeReply, Seq: 3, Code: 5, Error: awkward}},
		{"reply negative code", &wire.Message{Type: wire.TypeReply, Seq: 4, Code: -1, Error: "x"}},
		{"reply min code", &wire.Message{Type: wire.TypeReply, Seq: 5, Code: math.MinInt32}},
		{"reply max code", &wire.Message{Type: wire.TypeReply, Seq: 6, Code: math.MaxInt32, Error: "big"}},
		{"reply error ignored without code", &wire.Message{Type: wire.TypeReply, Seq: 7, Error: "dropped"}},
		{"reply meta and error", func() *wire.Message {
			m := msg(wire.TypeReply, 8, "", "partial", "retry-after", "3")
			m.Code, m.Error, m.Filters = 14, "unavailable", []byte{2}
			return m
		}()},
		{"push", msg(wire.TypePush, 0, "/events/tick", "{}", "trace", "abc")},
		{"cancel", msg(wire.TypeCancel, 42, "", "")},
		{"cancel with code", &wire.Message{Type: wire.TypeCancel, Seq: 43, Code: wire.CodeDeadlineExceeded}},
		{"goaway", msg(wire.TypeGoAway, 0, "", "")},
		{"goaway with code", &wire.Message{Type: wire.TypeGoAway, Code: 9, Error: "protocol error"}},
		{"goaway ack", msg(wire.TypeGoAwayAck, 0, "", "")},
	}

	// All frames go through one stream, in order.
	var all []*wire.Message
	for _, tt := range tests {
		all = append(all, tt.m)
	}
	stream := encode(t, limit, all...)
	f := newReadFramer(bytes.NewReader(stream), limit)
	var got wire.Message
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got.Reset()
			if err := f.ReadMessage(&got); err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			if d := diffMessage(&got, tt.m); d != "" {
				t.Fatalf("%s\ngot  %+v\nwant %+v", d, got, *tt.m)
			}
		})
	}
	got.Reset()
	if err := f.ReadMessage(&got); err != io.EOF {
		t.Fatalf("ReadMessage after the last frame: %v, want io.EOF", err)
	}
	if len(encode(t, limit, nearLimit)) < limit-3 || len(encode(t, limit, nearLimitJSON)) != limit {
		t.Fatalf("near-limit frames are %d and %d bytes, limit %d",
			len(encode(t, limit, nearLimit)), len(encode(t, limit, nearLimitJSON)), limit)
	}
}

// TestFrameText checks the text a writer makes: the members in their
// order, zero values left out, and the body embedded only when the
// receiver gets the same bytes back.
func TestFrameText(t *testing.T) {
	tests := []struct {
		name string
		m    *wire.Message
		want string
	}{
		{"minimal", &wire.Message{Type: wire.TypeGoAwayAck}, `{"v":1,"type":6}`},
		{"every member", func() *wire.Message {
			m := msg(wire.TypeReply, 9, "/m", `{"a":1}`, "k", "v", "k2", "")
			m.Timeout, m.Code, m.Error, m.Codec, m.Filters = time.Millisecond, -3, "e", codecJSON, []byte{1, 200}
			return m
		}(), `{"v":1,"type":2,"seq":9,"method":"/m","timeout_us":1000,"code":-3,"error":"e",` +
			`"meta":[["k","v"],["k2",""]],"codec":106,"filters":[1,200],"body":{"a":1}}`},
		{"error without code", &wire.Message{Type: wire.TypeReply, Error: "dropped"}, `{"v":1,"type":2}`},
		{"code without error", &wire.Message{Type: wire.TypeReply, Code: 5}, `{"v":1,"type":2,"code":5}`},
		{"binary body", &wire.Message{Type: wire.TypePush, Codec: 'p', Body: []byte{0xfb, 0xff}}, `{"v":1,"type":3,"codec":112,"body64":"+/8="}`},
		{"json codec, not json", &wire.Message{Type: wire.TypePush, Codec: codecJSON, Body: []byte("{")}, `{"v":1,"type":3,"codec":106,"body64":"ew=="}`},
		{"json codec, spaces", &wire.Message{Type: wire.TypePush, Codec: codecJSON, Body: []byte("1 ")}, `{"v":1,"type":3,"codec":106,"body64":"MSA="}`},
		{"json body, other codec", &wire.Message{Type: wire.TypePush, Codec: 's', Body: []byte("1")}, `{"v":1,"type":3,"codec":115,"body64":"MQ=="}`},
		{"escapes", msg(wire.TypePush, 0, "a\"\\\x00\x1f\n\xff\u00e9", ""), `{"v":1,"type":3,"method":"a\"\\\u0000\u001f\n\ufffd` + "\u00e9" + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encode(t, 0, tt.m)
			if got := string(b[lenSize:]); got != tt.want {
				t.Fatalf("frame\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestReadReusesMessage checks that reading into a Reset message leaves
// nothing of the previous one behind.
func TestReadReusesMessage(t *testing.T) {
	first := msg(wire.TypeCall, 1, "/a", "body", "k", "v")
	first.Timeout, first.Code, first.Error, first.Filters = time.Second, 3, "e", []byte{1}
	second := msg(wire.TypeReply, 2, "", "")
	f := newReadFramer(bytes.NewReader(encode(t, 0, first, second)), 0)
	var m wire.Message
	for _, want := range []*wire.Message{first, second} {
		m.Reset()
		if err := f.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		if d := diffMessage(&m, want); d != "" {
			t.Fatalf("%v: %s", want.Type, d)
		}
	}
	if m.Body != nil {
		t.Fatalf("empty body is %q, want nil", m.Body)
	}
	m.Release()
}

// TestScratchIsBounded checks that a framer does not keep the buffers of a
// large frame for the next ones.
func TestScratchIsBounded(t *testing.T) {
	big := msg(wire.TypeCall, 1, "/m", "", "k", strings.Repeat("v", 2*maxRetained))
	big.Codec, big.Body = codecJSON, []byte(`"`+strings.Repeat("b", 2*maxRetained)+`"`)
	f := newReadFramer(bytes.NewReader(encode(t, 1<<20, big)), 1<<20)
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil {
		t.Fatal(err)
	}
	m.Release()
	fr := f.(*framer)
	if c := cap(fr.obj.Body) + cap(fr.obj.Meta) + cap(fr.text) + cap(fr.scratch); c > 4*maxRetained {
		t.Fatalf("framer keeps %d bytes of scratch after a large frame", c)
	}
}

// TestMethodInterning checks that a known method is returned as the same
// string and that the cache stops growing at its cap.
func TestMethodInterning(t *testing.T) {
	var frames []*wire.Message
	for range 2 {
		frames = append(frames, msg(wire.TypeCall, 1, "/same", ""))
	}
	for i := range maxCachedMethods + 10 {
		frames = append(frames, msg(wire.TypeCall, uint32(i), "/m/"+strconv.Itoa(i), ""))
	}
	frames = append(frames, msg(wire.TypeCall, 1, "/"+strings.Repeat("x", maxCachedMethodLen), ""))
	fr := newReadFramer(bytes.NewReader(encode(t, 0, frames...)), 0)
	var m wire.Message
	var methods []string
	for range frames {
		m.Reset()
		if err := fr.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		methods = append(methods, m.Method)
	}
	if unsafe.StringData(methods[0]) != unsafe.StringData(methods[1]) {
		t.Errorf("a repeated method was not interned")
	}
	if n := len(fr.(*framer).methods); n != maxCachedMethods {
		t.Errorf("cache holds %d methods, want the cap %d", n, maxCachedMethods)
	}
}

package json

import (
	"encoding/binary"
	stdjson "encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// options describe the format to the wiretest suite.
var options = wiretest.Options{
	Name:         "json",
	Text:         wireText,
	CheckFrame:   oneObject,
	PooledWriter: true, // encoding/json.Valid takes its scanner from a sync.Pool
	// encoding/json costs most of a read's allocations: its decoder state
	// and the stack of its syntax checker, which grows with the nesting.
	// Metadata costs one string for all its pairs.
	ReadAllocs: map[string]float64{
		"call":                      5,
		"call, binary body":         4,
		"reply":                     4,
		"call with metadata":        7,
		"error reply with metadata": 7,
	},
}

// wireText is the string a receiver sees for s: each byte that is not part
// of valid UTF-8 becomes U+FFFD.
func wireText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// oneObject checks that a frame holds one JSON object in valid UTF-8, with
// no white space before it (which Sniff relies on).
func oneObject(frame []byte) error {
	if obj := frame[lenSize:]; len(obj) == 0 || obj[0] != '{' || !utf8.Valid(obj) || !stdjson.Valid(obj) {
		return errors.New("the frame is not one JSON object in UTF-8")
	}
	return nil
}

// frame prefixes text with its length, making a frame whose content the
// test writes by hand.
func frame(text string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(text))), text...)
}

func TestSuite(t *testing.T) {
	o := options
	o.RoundTrip = roundTrips(t)
	// Escaping makes a string six times longer, base64 a body a third
	// longer: the writer must count them.
	o.TooLarge = []wiretest.Case{
		{Name: "escaped metadata over", M: wiretest.NewMessage(wire.TypeCall, 1, "/m", "", "k", strings.Repeat("\x01", 1<<10/6))},
		{Name: "base64 body over", M: &wire.Message{Type: wire.TypeCall, Body: make([]byte, 1<<10*3/4)}},
	}
	o.Frames = append(malformedFrames(), lenientFrames()...)
	o.Frames = append(o.Frames, refusedFrames()...)
	wiretest.Run(t, Format{}, o)
}

// roundTrips returns the messages whose body the writer embeds in the
// frame, or would if it were one JSON value in valid UTF-8 without white
// space around it: the reader must get each body back as it was.
func roundTrips(t *testing.T) []wiretest.Case {
	deep := strings.Repeat("[", maxBodyDepth+1) + strings.Repeat("]", maxBodyDepth+1)
	// nearLimit gets a body that makes its frame exactly the limit: an
	// embedded body is counted to the byte.
	nearLimit := wiretest.NewMessage(wire.TypeCall, 78, "/big/upload", "", "k", "v")
	nearLimit.Codec = codecJSON
	str := func(n int) []byte { return []byte(`"` + strings.Repeat("x", n) + `"`) }
	if n := wiretest.FitBody(t, Format{}, wiretest.RoundTripLimit, nearLimit, str); n != wiretest.RoundTripLimit {
		t.Fatalf("the largest frame with a JSON string body is %d bytes, limit %d", n, wiretest.RoundTripLimit)
	}
	body := func(name, body string, codec byte) wiretest.Case {
		return wiretest.Case{Name: name, M: &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: codec, Body: []byte(body)}}
	}
	return []wiretest.Case{
		body("json body with spaces inside", `{ "a" : [ 1 , 2.5e3 ] , "b":"\u00e9\n" }`, codecJSON),
		body("json string body", `"a\"b\\c"`, codecJSON),
		body("json null body", `null`, codecJSON),
		body("json body with space around", " [1]\n", codecJSON),
		body("json codec, body not json", "[1,2", codecJSON),
		body("json codec, two values", "1 2", codecJSON),
		body("json codec, invalid utf-8", "\"\xff\"", codecJSON),
		body("json codec, deep body", deep, codecJSON),
		body("json-looking body, other codec", "[1]", 's'),
		{Name: "near limit, json body", M: nearLimit},
	}
}

// malformedFrames are frames the reader refuses as malformed, keeping the
// stream in step.
func malformedFrames() []wiretest.Frame {
	const (
		call  = wire.TypeCall
		reply = wire.TypeReply
		head  = `{"v":1,"type":1,"seq":5` // a valid call header, to go on with
		rhead = `{"v":1,"type":2,"seq":5`
	)
	bad := func(name string, frame []byte, t wire.Type, seq uint32, reason string) wiretest.Frame {
		return wiretest.Frame{Name: name, Frame: frame, Err: wire.ErrMalformed, Type: t, Seq: seq, Reason: reason}
	}
	return []wiretest.Frame{
		bad("empty frame", frame(""), 0, 0, "frame length 0 is below the minimum 1"),
		bad("leading space", frame(` {"v":1,"type":1,"seq":5}`), 0, 0, "does not start with '{'"),
		bad("array", frame(`[1]`), 0, 0, "does not start with '{'"),
		bad("not json", frame(`{x}`), 0, 0, "invalid character 'x'"),
		bad("cut short", frame(head), call, 0, "unexpected end of JSON input"),
		bad("syntax error after the header", frame(head+`,"method":/m}`), call, 5, "invalid character '/' looking for beginning of value at offset"),
		bad("bytes after the object", frame(head+`}x`), call, 5, "after top-level value"),
		bad("two objects", frame(head+`}{"v":1,"type":1}`), call, 5, "after top-level value"),
		bad("raw newline in a string", frame(head+`,"method":"a`+"\n"+`"}`), call, 5, "invalid character"),
		bad("too deep", frame(head+`,"x":`+strings.Repeat("[", 10001)+strings.Repeat("]", 10001)+`}`), call, 5, "exceeded max depth"),
		bad("missing v", frame(`{"type":1,"seq":5}`), 0, 0, `missing "v"`),
		bad("v 2", frame(`{"v":2,"type":1,"seq":5}`), 0, 0, "unsupported version 2"),
		bad("v 0", frame(`{"v":0,"type":1,"seq":5}`), 0, 0, "unsupported version 0"),
		bad("v string", frame(`{"v":"1","type":1,"seq":5}`), 0, 0, `unsupported version "1"`),
		bad("v 1.0", frame(`{"v":1.0,"type":1,"seq":5}`), 0, 0, "unsupported version 1.0"),
		bad("v null", frame(`{"v":null,"type":1,"seq":5}`), 0, 0, "unsupported version null"),
		bad("missing type", frame(`{"v":1,"seq":5}`), 0, 5, `missing "type"`),
		bad("type 0", frame(`{"v":1,"type":0,"seq":5}`), 0, 5, "invalid message type 0"),
		bad("type 7", frame(`{"v":1,"type":7,"seq":5}`), 0, 5, "invalid message type 7"),
		bad("type 257", frame(`{"v":1,"type":257,"seq":5}`), 0, 5, "invalid message type 257"),
		bad("type -1", frame(`{"v":1,"type":-1,"seq":5}`), 0, 5, "invalid message type -1"),
		bad("type 1e0", frame(`{"v":1,"type":1e0,"seq":5}`), 0, 5, "invalid message type 1e0"),
		bad("type string", frame(`{"v":1,"type":"CALL","seq":5}`), 0, 5, `invalid message type "CALL"`),
		bad("seq -1", frame(`{"v":1,"type":1,"seq":-1}`), 0, 0, `"seq" -1 is not an integer from 0 to 4294967295`),
		bad("seq 2^32", frame(`{"v":1,"type":1,"seq":4294967296}`), 0, 0, `"seq" 4294967296 is not`),
		bad("seq 2^64", frame(`{"v":1,"type":1,"seq":18446744073709551616}`), 0, 0, `"seq" 18446744073709551616 is not`),
		bad("seq fraction", frame(`{"v":1,"type":1,"seq":5.5}`), 0, 0, `"seq" 5.5 is not`),
		bad("seq long", frame(`{"v":1,"type":1,"seq":1234567890123456789012345678901234567890}`), 0, 0, `"seq" 123456789012345678901234... is not`),
		bad("method number", frame(head+`,"method":1}`), call, 5, `"method" is not a string`),
		bad("method null", frame(head+`,"method":null}`), call, 5, `"method" is not a string`),
		bad("method array", frame(head+`,"method":["/m"]}`), call, 5, `"method" is not a string`),
		bad("timeout zero", frame(head+`,"timeout_us":0}`), call, 5, "zero timeout"),
		bad("timeout negative", frame(head+`,"timeout_us":-1}`), call, 5, `"timeout_us" -1 is not an integer`),
		bad("timeout fraction", frame(head+`,"timeout_us":1.5}`), call, 5, `"timeout_us" 1.5 is not an integer`),
		bad("timeout over 64 bits", frame(head+`,"timeout_us":18446744073709551616}`), call, 5, `"timeout_us" 18446744073709551616 is not`),
		bad("code above int32", frame(rhead+`,"code":2147483648}`), reply, 5, `"code" 2147483648 is not an integer within 32 bits`),
		bad("code below int32", frame(rhead+`,"code":-2147483649}`), reply, 5, `"code" -2147483649 is not`),
		bad("code string", frame(rhead+`,"code":"5"}`), reply, 5, `"code" "5" is not`),
		bad("code fraction", frame(rhead+`,"code":5.0}`), reply, 5, `"code" 5.0 is not`),
		bad("error number", frame(rhead+`,"code":5,"error":5}`), reply, 5, `"error" is not a string`),
		bad("error without code", frame(rhead+`,"error":"x"}`), reply, 5, `"error" without a non-zero "code"`),
		bad("error with code 0", frame(rhead+`,"code":0,"error":"x"}`), reply, 5, `"error" without a non-zero "code"`),
		bad("meta object", frame(head+`,"meta":{"a":"b"}}`), call, 5, `"meta" is not an array`),
		bad("meta null", frame(head+`,"meta":null}`), call, 5, `"meta" is not an array`),
		bad("meta flat", frame(head+`,"meta":["a","b"]}`), call, 5, `"meta" pair 0 is not an array`),
		bad("meta pair not array", frame(head+`,"meta":[["a","b"],"c"]}`), call, 5, `"meta" pair 1 is not an array`),
		bad("meta empty pair", frame(head+`,"meta":[[]]}`), call, 5, `"meta" pair 0: element 0 is not a string`),
		bad("meta one string", frame(head+`,"meta":[["a"]]}`), call, 5, `"meta" pair 0 has fewer than two strings`),
		bad("meta three strings", frame(head+`,"meta":[["a","b","c"]]}`), call, 5, `"meta" pair 0 has more than two elements`),
		bad("meta key number", frame(head+`,"meta":[[1,"b"]]}`), call, 5, `"meta" pair 0: element 0 is not a string`),
		bad("meta value null", frame(head+`,"meta":[["a","b"],["a",null]]}`), call, 5, `"meta" pair 1: element 1 is not a string`),
		bad("codec 256", frame(head+`,"codec":256}`), call, 5, `"codec" 256 is not an integer from 0 to 255`),
		bad("codec -1", frame(head+`,"codec":-1}`), call, 5, `"codec" -1 is not`),
		bad("codec letter", frame(head+`,"codec":"j"}`), call, 5, `"codec" "j" is not`),
		bad("filters empty", frame(head+`,"filters":[]}`), call, 5, `empty "filters"`),
		bad("filters not array", frame(head+`,"filters":"AQ=="}`), call, 5, `"filters" is not an array`),
		bad("filter 0", frame(head+`,"filters":[1,0]}`), call, 5, `filter 1 is not an integer from 1 to 255`),
		bad("filter 256", frame(head+`,"filters":[256]}`), call, 5, `filter 0 is not`),
		bad("filter -1", frame(head+`,"filters":[-1]}`), call, 5, `filter 0 is not`),
		bad("filter fraction", frame(head+`,"filters":[1.5]}`), call, 5, `filter 0 is not`),
		bad("filter nested", frame(head+`,"filters":[[1]]}`), call, 5, `filter 0 is not`),
		bad("filter null", frame(head+`,"filters":[null]}`), call, 5, `filter 0 is not`),
		bad("256 filters", frame(head+`,"filters":[`+strings.Repeat("1,", 255)+`1]}`), call, 5, `more than 255 "filters"`),
		bad("body and body64", frame(head+`,"body":1,"body64":"MQ=="}`), call, 5, `both "body" and "body64"`),
		bad("body64 number", frame(head+`,"body64":1}`), call, 5, `"body64" is not a string`),
		bad("body64 null", frame(head+`,"body64":null}`), call, 5, `"body64" is not a string`),
		bad("body64 not base64", frame(head+`,"body64":"!!!!"}`), call, 5, `"body64": illegal base64 data at input byte 0`),
		bad("body64 without padding", frame(head+`,"body64":"QQ"}`), call, 5, `"body64": illegal base64 data`),
		bad("body64 unused bits set", frame(head+`,"body64":"QR=="}`), call, 5, `"body64": illegal base64 data`),
		bad("body64 url alphabet", frame(head+`,"body64":"-_8="}`), call, 5, `"body64": illegal base64 data`),
		bad("later member broken", frame(head+`,"method":"/m","timeout_us":5,"meta":[["k","v"]],"codec":106,"filters":[0],"body":[1]}`), call, 5, "filter 0 is not"),
	}
}

// lenientFrames are frames the reader accepts although the writer never
// makes them.
func lenientFrames() []wiretest.Frame {
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
	var frames []wiretest.Frame
	for _, tt := range tests {
		frames = append(frames, wiretest.Frame{Name: tt.name, Frame: frame(tt.text), Want: tt.want})
	}
	return frames
}

// refusedFrames are frames over the limit whose type and seq the reader
// looks for in the members at the start of the object, for as long as
// their values are numbers.
func refusedFrames() []wiretest.Frame {
	const limit = 1 << 10
	pad := strings.Repeat(" ", limit)
	big := func(name, text string, lim int, t wire.Type, seq uint32) wiretest.Frame {
		return wiretest.Frame{Name: "over the limit, " + name, Frame: frame(text), Limit: lim, Err: wire.ErrTooLarge, Type: t, Seq: seq}
	}
	// 16 bytes hold `{"v":1,"type":1,` but not the seq.
	small := big("in a 16-byte buffer", `{"v":1,"type":1,"seq":7,"method":"/big","body64":"`+strings.Repeat("x", 100)+`"}`, 64, wire.TypeCall, 0)
	small.BufSize = 16
	return []wiretest.Frame{
		big("one byte over", `{"v":1,"type":1,"seq":3,"x":"`+pad[:limit-lenSize-31+1]+`"}`, limit, wire.TypeCall, 3),
		big("spaces between members", `{ "v" : 1 ,`+"\n"+`"type": 2, "seq":	4`+pad+`}`, limit, wire.TypeReply, 4),
		big("members in another order", `{"seq":5,"type":1,"v":1`+pad+`}`, limit, wire.TypeCall, 5),
		big("header after a string", `{"v":1,"method":"/m","type":1,"seq":5`+pad+`}`, limit, 0, 0),
		big("seq cut by the peek", `{"v":1,"type":1,"x":1234567890123456789012345678901,"seq":123456789`+pad+`}`, limit, wire.TypeCall, 0),
		big("invalid type", `{"v":1,"type":9,"seq":5`+pad+`}`, limit, 0, 5),
		big("unknown version", `{"v":2,"type":1,"seq":5`+pad+`}`, limit, 0, 0),
		big("no version", `{"type":1,"seq":5`+pad+`}`, limit, 0, 0),
		big("not json", pad+pad, limit, 0, 0),
		big("shorter than the peek", `{"v":1,"type":1,"seq":5}`, 8, wire.TypeCall, 5),
		small,
	}
}

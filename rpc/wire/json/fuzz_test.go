package json

import (
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// FuzzReadMessage reads arbitrary bytes as wiretest.FuzzReads does, which
// checks with oneObject that every frame written again is one JSON object
// in UTF-8. Its own seeds are JSON texts: a few that bend the syntax, then
// one per rule of the reader, for the fuzzer to mutate the values rather
// than the syntax around them.
func FuzzReadMessage(f *testing.F) {
	seeds := [][]byte{{0xff, 0xff, 0xff, 0xff, '{', '"', 'v', '"', ':', '1'}}
	for _, text := range []string{
		`{"v":1,"type":1,"seq":5,"meta":[["a","b"],["c"]],"filters":[0]}`,
		`{ "V":1, "type":3, "method":"\ud800\u00e9", "body":[ 1 ], "body":null, "x":{} }`,
		`{"v":1,"type":2,"code":-2147483648,"error":"\u0000","body64":"AA=="}`,
		`{"v":1,"type":2,"timeout_us":18446744073709551615,"codec":255,"filters":[255]}`,
		`{"v":1,"type":1,"seq":4294967295,"method":"/m\u00e9\ud83d\ude00\"\\\/"}`,
		`{"v":1,"type":1,"timeout_us":1}`,
		`{"v":1,"type":2,"code":-1,"error":"\u0000\ud800"}`,
		`{"v":1,"type":3,"meta":[],"filters":[1,255]}`,
		`{"v":1,"type":3,"meta":[["","" ],["k","v"]]}`,
		`{"v":1,"type":4,"codec":0,"body64":""}`,
		`{"v":1,"type":5,"body":"str"}`,
		`{"v":1,"type":6,"body":-0.5e+3}`,
		`{"v":1,"type":1,"body":{"a":[true,false,null]}}`,
		`{"v":1,"type":1,"body64":"+/+/"}`,
		`{"V":1,"TYPE":1,"Seq":-0}`,
		`{"v":1,"type":1,"unknown":[{"x":"y"}],"seq":1,"seq":2}`,
	} {
		seeds = append(seeds, frame(text))
	}
	wiretest.FuzzReads(f, Format{}, options, seeds...)
}

// FuzzRoundTrip writes messages made of arbitrary strings and bodies and
// reads them back: the frame must be one JSON object in valid UTF-8 of the
// size its length says, and the message must arrive with each invalid
// UTF-8 byte of its strings replaced and everything else unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("/math/add", "not found", "author", "liu", []byte("[1,2,3]"), byte(codecJSON), int32(5), int64(2e9))
	f.Add("a\"b\\c\x00\x1f\x7f", "\xff\xfe", "\u2028", "\xe2\x82", []byte{0, 0xff}, byte(codecJSON), int32(-1), int64(-1))
	f.Add("", "", "", "", []byte(` {"a": 1} `), byte(codecJSON), int32(0), int64(1))
	f.Add("/m", "e", "k", "v", []byte(`"\ud800"`), byte('p'), int32(1), int64(0))
	f.Fuzz(func(t *testing.T, method, errText, key, value string, body []byte, codec byte, code int32, timeout int64) {
		m := &wire.Message{Type: wire.TypeReply, Seq: 9, Method: method, Code: code, Error: errText, Codec: codec, Body: body, Timeout: time.Duration(timeout)}
		m.Meta.Append(key, value)
		if len(body) == 0 {
			m.Body = nil
		}
		wiretest.CheckRoundTrip(t, Format{}, options, wiretest.FuzzLimit, m)
	})
}

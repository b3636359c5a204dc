package json

import (
	"bytes"
	"encoding/binary"
	stdjson "encoding/json"
	"errors"
	"io"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// fuzzLimit keeps the fuzzer's frames, and so its allocations, small.
const fuzzLimit = 1 << 16

// FuzzReadMessage feeds arbitrary bytes to ReadMessage until it fails. It
// must never panic nor fail with anything but a MessageError (after which it
// reads on), io.EOF or io.ErrUnexpectedEOF; every message it decodes must
// encode again, as one valid JSON object in valid UTF-8, and decode to an
// equal message.
func FuzzReadMessage(f *testing.F) {
	everything := msg(wire.TypeCall, 7, "/svc/m", `{"a":[1,"x"]}`, "k", "v", "k2", "")
	everything.Timeout, everything.Codec, everything.Filters = 1500*time.Millisecond, codecJSON, []byte{1, 2}
	seeds := [][]*wire.Message{
		{msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")},
		{&wire.Message{Type: wire.TypeReply, Seq: 1, Codec: codecJSON, Body: []byte("6")}},
		{&wire.Message{Type: wire.TypeReply, Seq: 2, Code: -5, Error: "bo\"om\\\n"}},
		{msg(wire.TypePush, 0, "/events", "{}"), msg(wire.TypeCancel, 3, "", "")},
		{&wire.Message{Type: wire.TypeGoAway, Code: 4, Error: "bad"}, msg(wire.TypeGoAwayAck, 0, "", "")},
		{&wire.Message{Type: wire.TypePush, Codec: 'p', Body: []byte{0, 0xff, 0x80}}},
		{everything},
	}
	for _, s := range seeds {
		f.Add(encode(f, fuzzLimit, s...))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, '{', '"', 'v', '"', ':', '1'})
	f.Add(frame(`{"v":1,"type":1,"seq":5,"meta":[["a","b"],["c"]],"filters":[0]}`))
	f.Add(frame(`{ "V":1, "type":3, "method":"\ud800\u00e9", "body":[ 1 ], "body":null, "x":{} }`))
	f.Add(frame(`{"v":1,"type":2,"code":-2147483648,"error":"\u0000","body64":"AA=="}`))
	f.Add(frame(`{"v":1,"type":2,"timeout_us":18446744073709551615,"codec":255,"filters":[255]}`))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"add","id":1}`))
	// One seed per rule of the reader, for the fuzzer to mutate the values
	// rather than the syntax around them.
	for _, text := range []string{
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
		f.Add(frame(text))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		r := newReadFramer(bytes.NewReader(data), fuzzLimit)
		w := Format{}.NewFramer(nil, wire.Options{MaxMessageSize: fuzzLimit})
		var m, again wire.Message
		for {
			m.Reset()
			err := r.ReadMessage(&m)
			if err != nil {
				var me *wire.MessageError
				if errors.As(err, &me) {
					if !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrTooLarge) {
						t.Fatalf("MessageError %v wraps neither sentinel", err)
					}
					if me.Type != 0 && !me.Type.Valid() {
						t.Fatalf("MessageError with invalid type %d", me.Type)
					}
					continue
				}
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("ReadMessage: unexpected error %v", err)
				}
				break
			}
			frame, err := w.AppendMessage(nil, &m)
			if err != nil {
				// A decoded message grows only when its strings held
				// invalid UTF-8, which the reader replaced already.
				t.Fatalf("AppendMessage of a decoded message: %v", err)
			}
			if obj := frame[lenSize:]; obj[0] != '{' || !utf8.Valid(obj) || !stdjson.Valid(obj) {
				t.Fatalf("re-encoded frame is not one JSON object in UTF-8: %q", frame)
			}
			again.Reset()
			if err := newReadFramer(bytes.NewReader(frame), fuzzLimit).ReadMessage(&again); err != nil {
				t.Fatalf("reading the re-encoded frame %q: %v", frame, err)
			}
			if d := diffMessage(&again, &m); d != "" {
				t.Fatalf("re-encoded message: %s\nfirst  %+v\nsecond %+v", d, m, again)
			}
		}
		m.Reset()
		again.Reset()
	})
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
		w := Format{}.NewFramer(nil, wire.Options{MaxMessageSize: fuzzLimit})
		frame, err := w.AppendMessage(nil, m)
		if err != nil {
			if errors.Is(err, wire.ErrTooLarge) {
				return
			}
			t.Fatalf("AppendMessage: %v", err)
		}
		obj := frame[lenSize:]
		if int(binary.BigEndian.Uint32(frame)) != len(obj) || obj[0] != '{' || !utf8.Valid(obj) || !stdjson.Valid(obj) {
			t.Fatalf("frame is not its length and one JSON object in UTF-8: %q", frame)
		}
		var got wire.Message
		if err := newReadFramer(bytes.NewReader(frame), fuzzLimit).ReadMessage(&got); err != nil {
			t.Fatalf("reading %q: %v", frame, err)
		}
		if d := diffMessage(&got, m); d != "" {
			t.Fatalf("%s\nframe %q\ngot  %+v\nwant %+v", d, frame, got, *m)
		}
		got.Release()
	})
}

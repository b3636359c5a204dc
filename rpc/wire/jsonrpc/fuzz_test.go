package jsonrpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// fuzzLimit keeps the fuzzer's values, and so its allocations, small.
const fuzzLimit = 1 << 14

// FuzzReadMessage feeds arbitrary bytes to a server framer and answers
// everything it reads, as the rpc layer does: MessageErrors at once, calls
// at the end in reverse order, echoing their params. It must never panic
// nor fail with anything but a MessageError or io.EOF; what it reads must
// be well formed and survive a trip through a client framer; everything it
// writes must be JSON-RPC responses, each valid JSON in UTF-8; once every
// call is answered, it must wait for nothing; and once every message is
// Reset, nothing of the budget may be reserved.
func FuzzReadMessage(f *testing.F) {
	for _, tt := range specExamples {
		f.Add([]byte(tt.request))
	}
	for _, s := range []string{
		``, ` `, `{`, `[`, `]`, `}`, `"`, `\`, `[[`, `{"a":`, `nul`, `1 2 3`, "\x00\x00\x00\x10", "\xff\xfe",
		`{"jsonrpc":"2.0","method":"echo","params":["x"],"unwrap":true,"id":1}{"jsonrpc":"2.0","method":"echo","params":[[1]],"unwrap":false}`,
		`{"jsonrpc":"2.0","method":"echo","params":{"a":"\u00e9\ud800"},"meta":{"k":"v","k":"w"},"timeout_ms":1e2,"id":"x"}`,
		`{"jsonrpc":"2.0","result":[1],"id":1}{"jsonrpc":"2.0","error":{"code":-32601,"message":"m","data":{"code":5}},"id":2}`,
		`[{"jsonrpc":"2.0","result":1,"id":1},{"jsonrpc":"2.0","method":"a","id":null},3]`,
		`{"jsonrpc":"2.0","method":"a","params":[` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `],"id":-1.5e9}`,
		`{"jsonrpc":"2.0","method":"a","id":1}` + "\n\n\t" + `[]` + ` {"jsonrpc":"2.0","method":"b"} "x" 12 true`,
		"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
		"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"\xff\"],\"id\":\"a\xffb\"}[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"x\xe2\x82\"],\"id\":\"\xc0\"}]",
		batchOf("1", DefaultMaxBatch+1),
		`{"jsonrpc":"2.0","method":"m","meta":{` + strings.Repeat(`"":"",`, wire.DefaultMaxMetadataPairs) + `"":""},"id":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		budget := wire.NewBudget(0) // counts the reservations
		r := Format{}.NewFramer(bufio.NewReader(bytes.NewReader(data)), wire.Options{MaxMessageSize: fuzzLimit, Budget: budget})
		client := Format{}.NewFramer(nil, wire.Options{MaxMessageSize: fuzzLimit})
		var out []byte
		var calls []*wire.Message
		closed := false
		var m wire.Message
		for {
			m.Reset()
			err := r.ReadMessage(&m)
			if err != nil {
				var me *wire.MessageError
				if !errors.As(err, &me) {
					if err != io.EOF {
						t.Fatalf("ReadMessage: unexpected error %v", err)
					}
					break
				}
				if closed {
					t.Fatalf("MessageError %v after one that closed", err)
				}
				closed = me.Close
				if !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrTooLarge) {
					t.Fatalf("MessageError %v wraps neither sentinel", err)
				}
				if me.Type != wire.TypeCall && me.Type != wire.TypeReply {
					t.Fatalf("MessageError of type %v", me.Type)
				}
				if me.Type == wire.TypeCall {
					var ok error
					out, ok = r.AppendMessage(out, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: wire.CodeBadMessage, Error: me.Error()})
					if ok != nil {
						t.Fatalf("answering %v: %v", me, ok)
					}
				}
				continue
			}
			if closed {
				t.Fatalf("read a %v after a MessageError that closed", m.Type)
			}
			checkRead(t, &m)
			switch m.Type {
			case wire.TypeCall, wire.TypePush:
				roundTrip(t, client, &m)
				if m.Type == wire.TypeCall {
					calls = append(calls, &wire.Message{Type: wire.TypeReply, Seq: m.Seq, Codec: m.Codec, Body: slices.Clone(m.Body)})
				}
			}
		}
		m.Reset()
		for i, c := range slices.Backward(calls) {
			var err error
			if i%3 == 2 {
				c = &wire.Message{Type: wire.TypeReply, Seq: c.Seq, Code: wire.CodeUser, Error: "user \xff error"}
			}
			out, err = r.AppendMessage(out, c)
			if errors.Is(err, wire.ErrTooLarge) {
				// The rpc layer answers again with an error.
				out, err = r.AppendMessage(out, &wire.Message{Type: wire.TypeReply, Seq: c.Seq, Code: wire.CodeTooLarge, Error: err.Error()})
			}
			if err != nil {
				t.Fatalf("reply to seq %d: %v", c.Seq, err)
			}
		}
		if x := r.(*framer).x; len(x.calls)+len(x.members) != 0 {
			t.Fatalf("%d seqs still wait for a reply after every one was answered", len(x.calls)+len(x.members))
		}
		if n := budget.Used(); n != 0 {
			t.Fatalf("%d bytes of the budget reserved after every message was Reset", n)
		}
		checkResponses(t, out)
	})
}

// checkRead checks a message a server framer read.
func checkRead(t *testing.T, m *wire.Message) {
	t.Helper()
	switch m.Type {
	case wire.TypeCall, wire.TypePush:
		if (m.Type == wire.TypeCall) != (m.Seq != 0) || !strings.HasPrefix(m.Method, "/") || m.Code != 0 {
			t.Fatalf("request %+v", m)
		}
	case wire.TypeReply:
		if m.Seq == 0 || (m.Code != 0) == (m.Body != nil) {
			t.Fatalf("reply %+v", m)
		}
	default:
		t.Fatalf("read a %v", m.Type)
	}
	if len(m.Body) > 0 && (m.Codec != 'j' || !json.Valid(m.Body)) {
		t.Fatalf("body %q (codec %q) is not JSON", m.Body, m.Codec)
	}
	if len(m.Body) > fuzzLimit {
		t.Fatalf("body of %d bytes, over the limit", len(m.Body))
	}
}

// roundTrip sends a request read by a server through a client framer and
// back, and checks that it arrives the same.
func roundTrip(t *testing.T, client wire.Framer, m *wire.Message) {
	t.Helper()
	enc, err := client.AppendMessage(nil, m)
	if errors.Is(err, wire.ErrTooLarge) {
		return // the extension members can make it larger than it came
	}
	if err != nil {
		t.Fatalf("client AppendMessage(%+v): %v", m, err)
	}
	back := wiretest.NewReader(Format{}, bytes.NewReader(enc), fuzzLimit)
	var again wire.Message
	defer again.Reset()
	if err := back.ReadMessage(&again); err != nil {
		t.Fatalf("reading %s back: %v", enc, err)
	}
	wantTimeout := m.Timeout
	if wantTimeout != 0 {
		wantTimeout = (wantTimeout + 999_999) / 1_000_000 * 1_000_000 // whole milliseconds
		if wantTimeout < 0 {
			wantTimeout = m.Timeout
		}
	}
	// A body is written in UTF-8, with U+FFFD for each byte that is not.
	if again.Type != m.Type || again.Method != m.Method || !bytes.Equal(again.Body, appendUTF8(nil, m.Body)) ||
		!slices.Equal(wiretest.Pairs(&again.Meta), wiretest.Pairs(&m.Meta)) || wantTimeout > 0 && again.Timeout != wantTimeout {
		t.Fatalf("request changed on a round trip through\n%s\nfirst  %+v\nsecond %+v", enc, m, &again)
	}
}

// checkResponses checks that out is a stream of JSON-RPC responses and
// batches of them, each valid JSON text (RFC 8259), in UTF-8 (section 8.1,
// which json.Valid does not check).
func checkResponses(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("output is not UTF-8: %q", out)
	}
	d := json.NewDecoder(bytes.NewReader(out))
	for {
		var v json.RawMessage
		if err := d.Decode(&v); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if !json.Valid(v) {
			t.Fatalf("response %s is not valid JSON", v)
		}
		var batch []json.RawMessage
		if json.Unmarshal(v, &batch) != nil {
			batch = []json.RawMessage{v}
		} else if len(batch) == 0 {
			t.Fatalf("an empty batch response in\n%s", out)
		}
		for _, r := range batch {
			var resp map[string]json.RawMessage
			if err := json.Unmarshal(r, &resp); err != nil {
				t.Fatalf("response %s: %v", r, err)
			}
			var version string
			json.Unmarshal(resp["jsonrpc"], &version)
			_, hasID := resp["id"]
			_, hasResult := resp["result"]
			e, hasError := resp["error"]
			var eo struct {
				Code    *int    `json:"code"`
				Message *string `json:"message"`
			}
			if hasError && (json.Unmarshal(e, &eo) != nil || eo.Code == nil || eo.Message == nil) {
				t.Fatalf("not a valid error: %s", r)
			}
			if version != "2.0" || !hasID || hasResult == hasError {
				t.Fatalf("not a valid response: %s", r)
			}
		}
	}
}

// FuzzValidate compares the JSON check with encoding/json's.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,"x\u00e9",true,false,null]}`, `[1,]`, `"\ud800"`, `01`, `-`, ` 1 `, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := validate(data)
		if err == errTooDeep {
			return
		}
		if got, want := err == nil, json.Valid(data); got != want {
			t.Fatalf("validate(%q) = %v, encoding/json says valid: %v", data, err, want)
		}
		if err == nil {
			i := skipSpace(data, 0)
			if end := skipValue(data, i); skipSpace(data, end) != len(data) {
				t.Fatalf("skipValue(%q) stops at %d", data, end)
			}
			if data[i] == '"' && utf8.Valid(data) {
				var want string
				if json.Unmarshal(data, &want) == nil && unquote(data[i:skipString(data, i)]) != want {
					t.Fatalf("unquote(%q) = %q, want %q", data, unquote(data[i:skipString(data, i)]), want)
				}
			}
		}
	})
}

package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// handler answers a call the way the specification's examples expect.
func handler(method string, params []byte) (result string, code int32, msg string) {
	var nums []float64
	switch method {
	case "/subtract":
		if json.Unmarshal(params, &nums) == nil && len(nums) == 2 {
			return fmt.Sprint(nums[0] - nums[1]), 0, ""
		}
		var named struct{ Minuend, Subtrahend float64 }
		if json.Unmarshal(params, &named) == nil {
			return fmt.Sprint(named.Minuend - named.Subtrahend), 0, ""
		}
		return "", wire.CodeInvalidArgument, ""
	case "/sum":
		if json.Unmarshal(params, &nums) != nil {
			return "", wire.CodeCodec, "bad params"
		}
		sum := 0.0
		for _, n := range nums {
			sum += n
		}
		return fmt.Sprint(sum), 0, ""
	case "/get_data":
		return `["hello", 5]`, 0, ""
	case "/echo":
		if len(params) == 0 {
			return "", 0, ""
		}
		return string(params), 0, ""
	}
	return "", wire.CodeNotFound, "Method not found"
}

// session is a fake rpc layer: it reads every message of a framer, answers
// a MessageError at once (as the rpc layer does, from the reader) and the
// calls once the stream has ended, in reverse order, to show that the
// framer does not depend on the order of replies.
type session struct {
	out    []byte
	calls  []wire.Message // copies, Body included
	pushes []string
	errs   []*wire.MessageError
	end    error // what ended the reading
}

func serve(t testing.TB, f wire.Framer) *session {
	t.Helper()
	s := &session{}
	var m wire.Message
	for {
		m.Reset()
		err := f.ReadMessage(&m)
		if err != nil {
			var me *wire.MessageError
			if !errors.As(err, &me) {
				s.end = err
				break
			}
			s.errs = append(s.errs, me)
			if me.Type == wire.TypeCall {
				code := me.Code
				if code == 0 {
					code = wire.CodeBadMessage
					if errors.Is(me, wire.ErrTooLarge) {
						code = wire.CodeTooLarge
					}
				}
				s.reply(t, f, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: code, Error: me.Error()})
			}
			continue
		}
		switch m.Type {
		case wire.TypeCall:
			s.calls = append(s.calls, wire.Message{
				Type: m.Type, Seq: m.Seq, Method: m.Method, Timeout: m.Timeout, Meta: m.Meta.Clone(),
				Codec: m.Codec, ReplyCodec: m.ReplyCodec, Body: slices.Clone(m.Body),
			})
		case wire.TypePush:
			s.pushes = append(s.pushes, m.Method)
		default:
			t.Fatalf("server read a %v", m.Type)
		}
	}
	m.Reset()
	for _, c := range slices.Backward(s.calls) {
		result, code, msg := handler(c.Method, c.Body)
		r := &wire.Message{Type: wire.TypeReply, Seq: c.Seq, Code: code, Error: msg}
		if code == 0 && result != "" {
			r.Codec, r.Body = 'j', []byte(result)
		}
		s.reply(t, f, r)
	}
	return s
}

func (s *session) reply(t testing.TB, f wire.Framer, r *wire.Message) {
	t.Helper()
	out, err := f.AppendMessage(s.out, r)
	if err != nil {
		t.Fatalf("AppendMessage(reply seq %d): %v", r.Seq, err)
	}
	s.out = out
}

// values parses a stream of JSON values into generic values, numbers as
// json.Number.
func values(t testing.TB, stream []byte) []any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(stream))
	d.UseNumber()
	var vs []any
	for {
		var v any
		if err := d.Decode(&v); err == io.EOF {
			return vs
		} else if err != nil {
			t.Fatalf("output is not a stream of JSON values: %v\n%s", err, stream)
		}
		vs = append(vs, v)
	}
}

// normalize drops the "data" of error objects (the specification's
// examples have none) and sorts the members of a batch response, whose
// order the specification leaves free.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if e, ok := v["error"].(map[string]any); ok {
			delete(e, "data")
		}
		return v
	case []any:
		responses := true
		for i := range v {
			v[i] = normalize(v[i])
			if m, ok := v[i].(map[string]any); !ok || m["jsonrpc"] == nil {
				responses = false
			}
		}
		if responses {
			sortValues(v)
		}
		return v
	}
	return v
}

// sortValues sorts vs by their JSON encoding.
func sortValues(vs []any) {
	slices.SortFunc(vs, func(a, b any) int {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return bytes.Compare(ja, jb)
	})
}

// sameValues compares two streams of JSON values semantically.
func sameValues(t testing.TB, got, want []byte) {
	t.Helper()
	g, w := values(t, got), values(t, want)
	for i := range g {
		g[i] = normalize(g[i])
	}
	for i := range w {
		w[i] = normalize(w[i])
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("responses differ\ngot:  %s\nwant: %s", compact(got), compact(want))
	}
}

// compact shows a stream of values on one line each.
func compact(b []byte) string {
	var out []string
	d := json.NewDecoder(bytes.NewReader(b))
	for {
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			if err != io.EOF {
				out = append(out, fmt.Sprintf("(%v in %q)", err, b))
			}
			break
		}
		var buf bytes.Buffer
		json.Compact(&buf, raw)
		out = append(out, buf.String())
	}
	if len(out) == 0 {
		return "(nothing)"
	}
	return strings.Join(out, "\n      ")
}

// repeatReader yields n copies of a byte, then EOF, without storing them.
type repeatReader struct {
	c byte
	n int64
}

func (z *repeatReader) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	for i := range p[:k] {
		p[i] = z.c
	}
	z.n -= int64(k)
	return k, nil
}

func jsonValid(b []byte) bool { return json.Valid(b) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

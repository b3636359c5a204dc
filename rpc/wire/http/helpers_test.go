package http

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	nethttp "net/http"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// fakeRPC drives a framer the way the rpc layer does: one goroutine reads,
// replies go through AppendMessage into one write queue, in any order the
// test chooses, and Interim bytes join the same queue.
type fakeRPC struct {
	t  testing.TB
	f  wire.Framer
	mu sync.Mutex
	q  []byte // the write queue: what the peer receives

	goAways int // go-aways read: the framer stopped reading
}

// newFake returns a fake rpc layer whose framer reads src.
func newFake(t testing.TB, ft Format, src io.Reader, opts wire.Options) *fakeRPC {
	fr := &fakeRPC{t: t}
	fr.f = ft.NewFramer(bufio.NewReader(src), opts)
	fr.f.(wire.InterimWriter).SetInterim(func(b []byte) {
		fr.mu.Lock()
		fr.q = append(fr.q, b...)
		fr.mu.Unlock()
	})
	return fr
}

// serverOn returns a fake rpc layer reading the requests in input.
func serverOn(t testing.TB, ft Format, input string, limit int) *fakeRPC {
	return newFake(t, ft, strings.NewReader(input), wire.Options{MaxMessageSize: limit})
}

// send appends m to the write queue, as the rpc layer's writer does.
func (fr *fakeRPC) send(m *wire.Message) error {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	q, err := fr.f.AppendMessage(fr.q, m)
	if err != nil {
		return err
	}
	fr.q = q
	return nil
}

// mustSend is send that fails the test on error.
func (fr *fakeRPC) mustSend(m *wire.Message) {
	fr.t.Helper()
	if err := fr.send(m); err != nil {
		fr.t.Fatalf("AppendMessage(%v seq %d): %v", m.Type, m.Seq, err)
	}
}

// queued returns a copy of the write queue so far.
func (fr *fakeRPC) queued() []byte {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return bytes.Clone(fr.q)
}

// got is one result of ReadMessage.
type got struct {
	m  *wire.Message      // a message read, or nil
	me *wire.MessageError // a refused frame, or nil
}

// seq returns the seq of the message or refusal.
func (g got) seq() uint32 {
	if g.me != nil {
		return g.me.Seq
	}
	return g.m.Seq
}

// readAll reads until ReadMessage returns an error other than a
// MessageError, and returns what it read and that error. Go-aways are
// counted in fr.goAways, not returned.
func (fr *fakeRPC) readAll() ([]got, error) {
	var out []got
	for {
		m := new(wire.Message)
		err := fr.f.ReadMessage(m)
		if err == nil && m.Type == wire.TypeGoAway {
			if m.Code != 0 || fr.goAways > 0 {
				fr.t.Fatalf("go-away %+v after %d", m, fr.goAways)
			}
			fr.goAways++
			continue
		}
		if err == nil {
			out = append(out, got{m: m})
			continue
		}
		var me *wire.MessageError
		if errors.As(err, &me) {
			out = append(out, got{me: me})
			continue
		}
		return out, err
	}
}

// answer replies to g the way the rpc layer does: a MessageError of a call
// with its Code (or the code its sentinel means), a push with an
// acceptance, a call with reply.
func (fr *fakeRPC) answer(g got, reply *wire.Message) {
	fr.t.Helper()
	switch {
	case g.me != nil:
		code := g.me.Code
		if code == 0 {
			code = wire.CodeBadMessage
			if errors.Is(g.me, wire.ErrTooLarge) {
				code = wire.CodeTooLarge
			}
		}
		fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: g.me.Seq, Code: code, Error: g.me.Err.Error()})
	case g.m.Type == wire.TypePush:
		fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: g.m.Seq})
	default:
		reply.Type, reply.Seq = wire.TypeReply, g.m.Seq
		fr.mustSend(reply)
	}
}

// response is a parsed HTTP response and its body.
type response struct {
	*nethttp.Response
	body string
}

// parseResponses parses the responses in b with net/http, one per request
// method given (HEAD responses have no body), skipping interim ones, and
// fails the test if b holds anything more.
func parseResponses(t testing.TB, b []byte, methods ...string) []response {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(b))
	var out []response
	for _, method := range methods {
		for {
			req, _ := nethttp.NewRequest(method, "http://dmicro/", nil)
			resp, err := nethttp.ReadResponse(br, req)
			if err != nil {
				t.Fatalf("response %d: %v\nstream:\n%s", len(out), err, b)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("response %d body: %v", len(out), err)
			}
			if resp.StatusCode >= 100 && resp.StatusCode < 200 {
				continue
			}
			out = append(out, response{resp, string(body)})
			break
		}
	}
	if rest, _ := io.ReadAll(br); len(rest) > 0 {
		t.Fatalf("%d bytes after %d responses: %q", len(rest), len(out), rest)
	}
	return out
}

// errorJSON decodes the body of an error response.
func errorJSON(t testing.TB, body string) (code int, msg string) {
	t.Helper()
	var eb struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return eb.Code, eb.Message
}

// post returns a POST request with a JSON body and extra header lines.
func post(path, body string, extra ...string) string {
	var b strings.Builder
	b.WriteString("POST " + path + " HTTP/1.1\r\nHost: dmicro\r\nContent-Type: application/json\r\n")
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body)
	return b.String()
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(dst []byte, n int) []byte {
	if n >= 10 {
		dst = appendInt(dst, n/10)
	}
	return append(dst, byte('0'+n%10))
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// zeros yields zero bytes forever.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

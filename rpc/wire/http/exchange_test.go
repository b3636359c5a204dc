package http

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// upperExchange is a toy body exchange: the body "method arg" calls
// method with arg, and the response body is the reply's body in upper case.
type upperExchange struct{}

func (upperExchange) request(m *wire.Message, body []byte) (any, error) {
	method, arg, ok := strings.Cut(string(body), " ")
	if !ok {
		return nil, errors.New("want \"method arg\"")
	}
	m.Type, m.Method, m.Codec, m.Body = wire.TypeCall, method, 's', []byte(arg)
	return len(arg), nil
}

func (upperExchange) response(dst []byte, r *wire.Message, token any) ([]byte, string) {
	if r.Code != 0 {
		return append(dst, "ERROR "+r.Error...), "text/plain"
	}
	return append(dst, strings.ToUpper(string(r.Body))...), "text/plain"
}

func TestBodyExchangeSeam(t *testing.T) {
	ft := Format{JSONRPCPath: "/rpc", exchange: upperExchange{}}
	input := "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n/echo hello" +
		"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nwrong" +
		post("/plain", "1")
	fr := serverOn(t, ft, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 3 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	if m := reads[0].m; m == nil || m.Method != "/echo" || string(m.Body) != "hello" {
		t.Fatalf("exchanged call %+v", reads[0])
	}
	if reads[1].me == nil || reads[1].me.Code != wire.CodeBadMessage {
		t.Fatalf("bad exchange body: %+v", reads[1])
	}
	fr.answer(reads[0], &wire.Message{Codec: 's', Body: []byte("hello")})
	fr.answer(reads[1], nil)
	fr.answer(reads[2], &wire.Message{Codec: 'j', Body: []byte("1")})
	rs := parseResponses(t, fr.queued(), "POST", "POST", "POST")
	if rs[0].StatusCode != 200 || rs[0].body != "HELLO" || rs[0].Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("exchanged response %d %q", rs[0].StatusCode, rs[0].body)
	}
	if rs[1].StatusCode != 400 || rs[2].StatusCode != 200 || rs[2].body != "1" {
		t.Fatalf("statuses %d %d", rs[1].StatusCode, rs[2].StatusCode)
	}
}

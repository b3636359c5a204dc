package http

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// clientOn returns a framer that reads the responses in input after
// sending the requests reqs (their bytes are discarded).
func clientOn(t testing.TB, input string, limit int, reqs ...*wire.Message) wire.Framer {
	t.Helper()
	f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(input)), wire.Options{MaxMessageSize: limit, Client: true})
	for _, r := range reqs {
		if _, err := f.AppendMessage(nil, r); err != nil {
			t.Fatalf("AppendMessage(%v seq %d): %v", r.Type, r.Seq, err)
		}
	}
	return f
}

func call(seq uint32) *wire.Message {
	return &wire.Message{Type: wire.TypeCall, Seq: seq, Method: "/x", Codec: 'j', Body: []byte("1")}
}

func TestClientRoundTrip(t *testing.T) {
	cli := Format{}.NewFramer(nil, wire.Options{Client: true})
	c := call(7)
	c.Method, c.Timeout, c.Filters = "/math/add", 2*time.Second+1, []byte{3}
	c.Body = []byte("[1,2,3]")
	c.Meta.Set("author", "liu")
	c.Meta.Set("trace-id", "abc")
	req, err := cli.AppendMessage(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	want := "POST /math/add HTTP/1.1\r\nHost: dmicro\r\nContent-Type: application/json\r\nContent-Length: 7\r\n" +
		"Rpc-Timeout: 2000001us\r\nRpc-Filters: 3\r\nRpc-Meta-Author: liu\r\nRpc-Meta-Trace-Id: abc\r\n\r\n[1,2,3]"
	if string(req) != want {
		t.Fatalf("request\n%q\nwant\n%q", req, want)
	}

	srv := newFake(t, Format{}, bytes.NewReader(req), wire.Options{})
	reads, err := srv.readAll()
	if err != io.EOF || len(reads) != 1 {
		t.Fatalf("server read %+v then %v", reads, err)
	}
	m := reads[0].m
	if m.Method != "/math/add" || m.Timeout != 2000001*time.Microsecond || string(m.Body) != "[1,2,3]" || m.Codec != 'j' ||
		m.Meta.Get("author") != "liu" || m.Meta.Get("trace-id") != "abc" || string(m.Filters) != "\x03" {
		t.Fatalf("server read %+v", m)
	}
	r := &wire.Message{Codec: 'j', Body: []byte("6"), Filters: []byte{3}}
	r.Meta.Set("author", "liu")
	srv.answer(reads[0], r)

	cli2 := clientOn(t, string(srv.queued()), 0, c)
	var reply wire.Message
	if err := cli2.ReadMessage(&reply); err != nil {
		t.Fatal(err)
	}
	if reply.Type != wire.TypeReply || reply.Seq != 7 || string(reply.Body) != "6" || reply.Codec != 'j' ||
		reply.Meta.Get("author") != "liu" || reply.Code != 0 || string(reply.Filters) != "\x03" {
		t.Fatalf("reply %+v", reply)
	}
	reply.Release()
}

// TestBothSidesSendRequests runs a client and a server framer on the two
// ends of a net.Pipe: the server calls the client on the same stream
// while the client's calls and push are in flight.
func TestBothSidesSendRequests(t *testing.T) {
	leakcheck.Check(t)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	cli := newFake(t, Format{}, a, wire.Options{Client: true})
	srv := newFake(t, Format{}, b, wire.Options{})
	flush := func(from *fakeRPC, to net.Conn) {
		t.Helper()
		from.mu.Lock()
		q := from.q
		from.q = nil
		from.mu.Unlock()
		go to.Write(q)
	}
	read := func(fr *fakeRPC) *wire.Message {
		t.Helper()
		m := new(wire.Message)
		if err := fr.f.ReadMessage(m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	cli.mustSend(&wire.Message{Type: wire.TypePush, Method: "/note", Codec: 's', Body: []byte("hi")})
	cli.mustSend(call(1))
	cli.mustSend(call(2))
	flush(cli, a)
	push, c1, c2 := read(srv), read(srv), read(srv)
	if push.Type != wire.TypePush || c1.Type != wire.TypeCall || c2.Type != wire.TypeCall {
		t.Fatalf("server read %v, %v, %v", push.Type, c1.Type, c2.Type)
	}
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: push.Seq}) // 202
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: c2.Seq, Codec: 'j', Body: []byte("2")})
	// The server calls the client before the reply to call 1 is ready.
	srv.mustSend(&wire.Message{Type: wire.TypeCall, Seq: 40, Method: "/client/hello", Codec: 'j', Body: []byte(`"server"`)})
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: c1.Seq, Code: 5, Error: "no /x"})
	flush(srv, b)

	// The client sees the server's request, then the replies in order; the
	// 202 to its push makes no message.
	hello := read(cli)
	if hello.Type != wire.TypeCall || hello.Method != "/client/hello" || string(hello.Body) != `"server"` {
		t.Fatalf("client read %+v", hello)
	}
	r1, r2 := read(cli), read(cli)
	if r1.Type != wire.TypeReply || r1.Seq != 1 || r1.Code != 5 || r1.Error != "no /x" {
		t.Fatalf("reply 1 %+v", r1)
	}
	if r2.Seq != 2 || string(r2.Body) != "2" || r2.Code != 0 {
		t.Fatalf("reply 2 %+v", r2)
	}
	cli.mustSend(&wire.Message{Type: wire.TypeReply, Seq: hello.Seq, Codec: 'j', Body: []byte(`"hello server"`)})
	flush(cli, a)
	r40 := read(srv)
	if r40.Type != wire.TypeReply || r40.Seq != 40 || string(r40.Body) != `"hello server"` {
		t.Fatalf("the server's reply %+v", r40)
	}
}

func TestClientReadsResponses(t *testing.T) {
	cases := []struct {
		name     string
		input    string
		code     int32
		msg      string
		body     string
		codec    byte
		meta     string
		errIs    error // a MessageError wrapping this
		errClose bool
	}{
		{name: "ok", input: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1\r\nRpc-Meta-By: x\r\n\r\n6", body: "6", codec: 'j', meta: "x"},
		{name: "interim first", input: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Type: text/plain\r\n\r\n6", body: "6", codec: 's'},
		{name: "chunked", input: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n12\r\n1\r\n3\r\n0\r\n\r\n", body: "123", codec: 'j'},
		{name: "until EOF", input: "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[1,2]", body: "[1,2]", codec: 'j'},
		{name: "no content", input: "HTTP/1.1 204 No Content\r\n\r\n"},
		{name: "custom codec", input: "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nRpc-Codec: 109\r\nContent-Length: 1\r\n\r\nm", body: "m", codec: 109},
		{name: "JSON error", input: "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 34\r\n\r\n{\"code\":5,\"message\":\"no such\\tx\"} ", code: 5, msg: "no such\tx"},
		{name: "user code", input: "HTTP/1.1 400 Bad Request\r\nContent-Length: 31\r\n\r\n{\"message\":\"no\",\"code\":1042}   ", code: 1042, msg: "no"},
		{name: "not JSON", input: "HTTP/1.1 503 Busy Now\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n<b/>\n", code: wire.CodeUnavailable, msg: "Busy Now"},
		{name: "Rpc-Code header", input: "HTTP/1.1 500 Internal Server Error\r\nRpc-Code: 12\r\nContent-Length: 0\r\n\r\n", code: 12, msg: "Internal Server Error"},
		{name: "no reason", input: "HTTP/1.1 413\r\nContent-Length: 0\r\n\r\n", code: wire.CodeTooLarge, msg: "Content Too Large"},
		{name: "415", input: "HTTP/1.1 415 Unsupported Media Type\r\nContent-Length: 0\r\n\r\n", code: wire.CodeCodec, msg: "Unsupported Media Type"},
		{name: "redirect", input: "HTTP/1.1 302 Found\r\nLocation: /y\r\nContent-Length: 0\r\n\r\n", code: wire.CodeUnknown, msg: "Found"},
		{name: "zero code in body", input: "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 10\r\n\r\n{\"code\":0}", code: wire.CodeConnClosed, msg: "Bad Gateway"},
		{name: "unsupported content type", input: "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1\r\n\r\nx", errIs: wire.ErrMalformed},
		{name: "over the limit", input: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2000\r\n\r\n", errIs: wire.ErrTooLarge, errClose: true},
		{name: "chunked over the limit", input: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", errIs: wire.ErrTooLarge, errClose: true},
		{name: "until EOF over the limit", input: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("x", 1025), errIs: wire.ErrTooLarge, errClose: true},
		{name: "bad length", input: "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", errIs: wire.ErrMalformed, errClose: true},
		{name: "bad header", input: "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", errIs: wire.ErrMalformed, errClose: true},
		{name: "head too large", input: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X: 1\r\n", 101) + "\r\n", errIs: wire.ErrTooLarge, errClose: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := clientOn(t, tc.input, 1024, call(3))
			var m wire.Message
			err := f.ReadMessage(&m)
			if tc.errIs != nil {
				var me *wire.MessageError
				if !errors.As(err, &me) || !errors.Is(err, tc.errIs) || me.Type != wire.TypeReply || me.Seq != 3 || me.Close != tc.errClose {
					t.Fatalf("ReadMessage: %#v, want a MessageError for reply 3 wrapping %v, close %v", err, tc.errIs, tc.errClose)
				}
				if tc.name == "unsupported content type" && me.Code != wire.CodeCodec {
					t.Fatalf("code %d", me.Code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Type != wire.TypeReply || m.Seq != 3 || m.Code != tc.code || m.Error != tc.msg || string(m.Body) != tc.body ||
				m.Codec != tc.codec || m.Meta.Get("by") != tc.meta {
				t.Fatalf("reply %+v", m)
			}
			m.Release()
			m.Reset()
			err = f.ReadMessage(&m)
			if tc.name == "until EOF" {
				// The body ended with the stream: a go-away comes first.
				if err != nil || m.Type != wire.TypeGoAway {
					t.Fatalf("after the response: %+v, %v; want a go-away", m, err)
				}
				err = f.ReadMessage(&m)
			}
			if err != io.EOF {
				t.Fatalf("after the response: %v, want io.EOF", err)
			}
		})
	}
}

func TestClientResponseMatching(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	t.Run("push answers are consumed", func(t *testing.T) {
		push := &wire.Message{Type: wire.TypePush, Method: "/p"}
		f := clientOn(t, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"+
			"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}"+ok, 0, push, push, call(9))
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil || m.Seq != 9 || m.Type != wire.TypeReply {
			t.Fatalf("%+v, %v; want the reply to 9 alone", m, err)
		}
		if err := f.ReadMessage(&m); err != io.EOF {
			t.Fatalf("%v, want io.EOF", err)
		}
	})
	t.Run("a response to no request", func(t *testing.T) {
		f := clientOn(t, ok+ok, 0, call(1))
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil || m.Seq != 1 {
			t.Fatalf("%+v, %v", m, err)
		}
		var me *wire.MessageError
		if err := f.ReadMessage(&m); err == nil || errors.As(err, &me) || !errors.Is(err, wire.ErrMalformed) {
			t.Fatalf("%v; want a stream error", err)
		}
	})
	t.Run("Connection: close ends sending, not reading", func(t *testing.T) {
		// The request for 2 crossed the close on the wire: a dmicro server
		// still answers it, and the client reads that answer.
		f := clientOn(t, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"+ok, 0, call(1), call(2))
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil || m.Seq != 1 {
			t.Fatalf("%+v, %v", m, err)
		}
		m.Reset()
		if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeGoAway || m.Code != 0 {
			t.Fatalf("%+v, %v; want a go-away after the response", m, err)
		}
		m.Reset()
		if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeReply || m.Seq != 2 {
			t.Fatalf("%+v, %v; want the reply to 2", m, err)
		}
		m.Reset()
		if err := f.ReadMessage(&m); err != io.EOF {
			t.Fatalf("%v, want io.EOF", err)
		}
	})
	t.Run("malformed status line", func(t *testing.T) {
		for _, line := range []string{"HTTP/1.1 20 OK", "HTTP/2 200 OK", "HTTP/1.1 200OK", "HTTP/1.1 099 x", "HTTP/1.1 101 Switching Protocols"} {
			f := clientOn(t, line+"\r\n\r\n", 0, call(1))
			var m wire.Message
			var me *wire.MessageError
			if err := f.ReadMessage(&m); err == nil || errors.As(err, &me) {
				t.Fatalf("%q: %v; want a stream error", line, err)
			}
		}
	})
	t.Run("a request is bad on the wire", func(t *testing.T) {
		f := Format{}.NewFramer(nil, wire.Options{MaxMessageSize: 10, Client: true})
		for _, m := range []*wire.Message{
			{Type: wire.TypeCall, Method: "no/slash"},
			{Type: wire.TypeCall},
			{Type: wire.TypeCall, Method: "/x", Body: make([]byte, 11)},
			{Type: wire.TypeCall, Method: "/x", Filters: []byte{0}},
			{Type: wire.TypePush, Method: "/x", Meta: metaOf("bad key", "v")},
			{Type: wire.TypePush, Method: "/x", Meta: metaOf("k", "v\n")},
		} {
			if out, err := f.AppendMessage([]byte("q"), m); err == nil || string(out) != "q" {
				t.Fatalf("AppendMessage(%+v) = %q, %v; want an error and dst unchanged", m, out, err)
			}
		}
		// Nothing was remembered: a response matches no request.
		f2 := f.(*framer)
		if len(f2.sent) != 0 {
			t.Fatalf("failed requests remembered: %v", f2.sent)
		}
	})
	t.Run("path escaping", func(t *testing.T) {
		f := Format{}.NewFramer(nil, wire.Options{})
		out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeCall, Method: "/a b/é?%#"})
		if err != nil || !strings.HasPrefix(string(out), "POST /a%20b/%C3%A9%3F%25%23 HTTP/1.1\r\n") {
			t.Fatalf("%q, %v", out, err)
		}
		srv := serverOn(t, Format{}, string(out), 0)
		reads, _ := srv.readAll()
		if len(reads) != 1 || reads[0].m == nil || reads[0].m.Method != "/a b/é?%#" {
			t.Fatalf("read back %+v", reads)
		}
	})
}

func metaOf(kv ...string) wire.Metadata {
	var md wire.Metadata
	for i := 0; i+1 < len(kv); i += 2 {
		md.Append(kv[i], kv[i+1])
	}
	return md
}

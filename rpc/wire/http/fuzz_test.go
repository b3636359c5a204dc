package http

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
)

// fuzzLimit keeps the fuzzer's bodies, and so its allocations, small.
const fuzzLimit = 1 << 12

// checkReadError fails the test unless err is one ReadMessage may return:
// a MessageError wrapping a sentinel, the end of the stream, or a stream
// error wrapping wire.ErrMalformed.
func checkReadError(t *testing.T, err error) (me *wire.MessageError) {
	t.Helper()
	if errors.As(err, &me) {
		if !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrTooLarge) {
			t.Fatalf("MessageError %v wraps neither sentinel", err)
		}
		if !me.Type.Valid() {
			t.Fatalf("MessageError with invalid type %d", me.Type)
		}
		return me
	}
	if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("ReadMessage: unexpected error %v", err)
	}
	return nil
}

// FuzzReadMessage feeds arbitrary bytes to a server's ReadMessage. It must
// never panic, never hand over a body over the limit, give every request
// it reads, or refuses, a seq, and hand over cancels only of calls it read
// and has not answered; answered in reverse order, the requests (the
// cancel and go-away requests the framer answers itself included) get one
// response each, in order, which a client framer reads back.
func FuzzReadMessage(f *testing.F) {
	for _, s := range []string{
		post("/math/add", "[1,2,3]", "Rpc-Meta-Author: liu", "Rpc-Timeout: 1.5s"),
		post("/a", "1") + post("/b", "2", "Connection: close"),
		post("/p", `"x"`, "Rpc-Type: push", "Accept: application/xml", "Rpc-Filters: 1,2"),
		"POST /c HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
		"GET /q?a=1&b=2 HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /x HTTP/1.0\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
		post("/rpc", `[{"jsonrpc":"2.0","method":"a","params":[1],"id":1},{"jsonrpc":"2.0","method":"n"},{"x":1}]`) + post("/b", "2"),
		post("/rpc", `{"jsonrpc":"2.0","method":"n","params":{"a":1}}`, "Connection: close"),
		post("/rpc", `{"jsonrpc":"2.0","method":`) + post("/rpc", `{"jsonrpc":"2.0","result":1,"id":1}`),
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"PO(ST / HTTP/1.1\r\n\r\n",
		"\r\n\r\n\x00\x00\x00\x28\x01\x01",
		"",
		post("/a", "1") + post("/b", "2") + "POST /.dmicro/cancel HTTP/1.1\r\nHost: dmicro\r\nRpc-Type: cancel\r\nRpc-Cancel: 2\r\nRpc-Code: 3\r\nConnection: Rpc-Cancel\r\nContent-Length: 0\r\n\r\n" + post("/c", "3"),
		"POST /.dmicro/cancel HTTP/1.0\r\nRpc-Type: cancel\r\nRpc-Cancel: 9\r\n\r\n",
		post("/a", "1") + "POST /.dmicro/goaway HTTP/1.1\r\nHost: dmicro\r\nRpc-Type: goaway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" + post("/never", "1"),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ft := Format{GetMethods: map[string]bool{"/q": true}, JSONRPCPath: "/rpc", JSONRPC: jsonrpc.Format{}}
		fr := newFake(t, ft, bytes.NewReader(data), wire.Options{MaxMessageSize: fuzzLimit})
		var reads []got
		seqs := make(map[uint32]bool)
		calls := make(map[uint32]bool)
		var end error // the error that ended the stream
		for {
			m := new(wire.Message)
			err := fr.f.ReadMessage(m)
			if err == nil && m.Type == wire.TypeGoAway {
				continue
			}
			if err == nil && m.Type == wire.TypeCancel {
				if !calls[m.Seq] || m.Code != wire.CodeCanceled && m.Code != wire.CodeDeadlineExceeded {
					t.Fatalf("a cancel of seq %d (code %d), which is no call read", m.Seq, m.Code)
				}
				continue // the rpc layer never answers a cancel
			}
			var g got
			if err == nil {
				if m.Type != wire.TypeCall && m.Type != wire.TypePush {
					t.Fatalf("a server read a %v", m.Type)
				}
				calls[m.Seq] = m.Type == wire.TypeCall
				if len(m.Body) > fuzzLimit {
					t.Fatalf("a body of %d bytes, limit %d", len(m.Body), fuzzLimit)
				}
				g.m = m
			} else if g.me = checkReadError(t, err); g.me == nil {
				end = err
				break
			} else if g.me.Type != wire.TypeCall {
				t.Fatalf("a server refused a %v", g.me.Type)
			}
			if seqs[g.seq()] || g.seq() == 0 {
				t.Fatalf("seq %d given twice, or 0", g.seq())
			}
			seqs[g.seq()] = true
			reads = append(reads, g)
		}
		for i := len(reads) - 1; i >= 0; i-- {
			fr.answer(reads[i], &wire.Message{Codec: 'j', Body: []byte("1")})
			if reads[i].m != nil {
				reads[i].m.Release()
			}
		}
		if bytes.Contains(data, []byte("HEAD")) {
			return // a response to HEAD has no body, which a client of POSTs cannot know
		}
		// Every request read has one response, those the rpc layer
		// answered and the 204s to cancel and go-away requests, but for
		// one the stream cut off.
		n := int(fr.f.(*framer).ord)
		cli := newFake(t, Format{}, bytes.NewReader(fr.queued()), wire.Options{Client: true})
		for i := range n {
			cli.mustSend(&wire.Message{Type: wire.TypeCall, Seq: uint32(i + 1), Method: "/x"})
		}
		k := 0
		for {
			var m wire.Message
			err := cli.f.ReadMessage(&m)
			if err == nil && m.Type == wire.TypeGoAway { // a response said "Connection: close"
				continue
			}
			if err == io.EOF {
				break
			}
			if err != nil || m.Type != wire.TypeReply || m.Seq != uint32(k+1) {
				t.Fatalf("response %d of %d: %+v, %v\nresponses:\n%q", k, n, m, err, fr.queued())
			}
			m.Release()
			k++
		}
		cut := 0
		if end != io.EOF {
			cut = 1 // the stream may have ended inside a request
		}
		if k > n || k < n-cut { // requests, not messages: a JSON-RPC body may hold several
			t.Fatalf("%d responses to %d requests read, %d handed over or refused (stream ended with %v)", k, n, len(reads), end)
		}
	})
}

// FuzzReadResponse feeds arbitrary bytes to a client's ReadMessage after
// it sent calls 1 to 3, a push and calls 5 and 6, and canceled call 2. It
// must never panic nor hand over a body over the limit, and the replies it
// reads (or refuses) must carry the seqs of the calls not canceled, in
// order.
func FuzzReadResponse(f *testing.F) {
	srv := serverOn(f, Format{}, strings.Repeat(post("/x", "1"), 3)+post("/p", "1", "Rpc-Type: push")+post("/x", "1"), 0)
	reads, _ := srv.readAll()
	for i, g := range reads {
		r := &wire.Message{Codec: 'j', Body: []byte(`{"n":1}`)}
		switch i {
		case 1:
			r = &wire.Message{Code: 5, Error: "no such method"}
		case 2:
			r.Meta.Set("author", "liu")
			r.Filters = []byte{5}
		}
		srv.answer(g, r)
	}
	f.Add(srv.queued())
	for _, s := range []string{
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n6\r\n0\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nRpc-Code: 13\r\nContent-Length: 4\r\n\r\nbusy",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
		"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
		"POST /client/hello HTTP/1.1\r\nHost: dmicro\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n\"s\"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 200\r\nContent-Type: image/png\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 2xx OK\r\n\r\n",
		"garbage\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 499 Client Closed Request\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" +
			"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := newFake(t, Format{}, bytes.NewReader(data), wire.Options{MaxMessageSize: fuzzLimit, Client: true})
		for _, seq := range []uint32{1, 2, 3, 0, 5, 6} {
			if seq == 0 {
				fr.mustSend(&wire.Message{Type: wire.TypePush, Method: "/p", Codec: 'j', Body: []byte("1")})
			} else {
				fr.mustSend(call(seq))
			}
		}
		fr.mustSend(&wire.Message{Type: wire.TypeCancel, Seq: 2, Code: wire.CodeCanceled})
		want := []uint32{1, 3, 5, 6}
		for {
			var m wire.Message
			err := fr.f.ReadMessage(&m)
			switch {
			case err == nil && m.Type == wire.TypeGoAway:
				continue
			case err == nil && m.Type == wire.TypeReply:
				if len(want) == 0 || m.Seq != want[0] {
					t.Fatalf("reply to seq %d, want the next of %v", m.Seq, want)
				}
				if len(m.Body) > fuzzLimit {
					t.Fatalf("a body of %d bytes, limit %d", len(m.Body), fuzzLimit)
				}
				want = want[1:]
				m.Release()
				continue
			case err == nil:
				m.Release() // a request from the server
				continue
			}
			me := checkReadError(t, err)
			if me == nil {
				return
			}
			if me.Type == wire.TypeReply {
				if len(want) == 0 || me.Seq != want[0] {
					t.Fatalf("refused reply to seq %d, want the next of %v", me.Seq, want)
				}
				want = want[1:]
			}
		}
	})
}

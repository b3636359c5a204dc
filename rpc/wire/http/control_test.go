package http

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// writes appends msgs with framer f, as the rpc layer's writer does, and
// returns the bytes.
func writes(t testing.TB, f wire.Framer, msgs ...*wire.Message) []byte {
	t.Helper()
	var out []byte
	for _, m := range msgs {
		var err error
		if out, err = f.AppendMessage(out, m); err != nil {
			t.Fatalf("AppendMessage(%v seq %d): %v", m.Type, m.Seq, err)
		}
	}
	return out
}

func cancelOf(seq uint32, code int32) *wire.Message {
	return &wire.Message{Type: wire.TypeCancel, Seq: seq, Code: code}
}

// cancelReq is a cancel request naming ordinal n, as curl could send it.
func cancelReq(n string, extra ...string) string {
	var b strings.Builder
	b.WriteString("POST /.dmicro/cancel HTTP/1.1\r\nHost: x\r\nRpc-Type: cancel\r\n")
	if n != "" {
		b.WriteString("Rpc-Cancel: " + n + "\r\n")
	}
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestCancelPipelined pipelines calls and a push with a cancel in the
// middle: the cancel names its call by ordinal, the server maps it to its
// own seq of that call, and the 204 goes out right after the canceled
// call's response, in order. The client drops both.
func TestCancelPipelined(t *testing.T) {
	cli := newFake(t, Format{}, strings.NewReader(""), wire.Options{Client: true})
	a, b, c, d := call(101), call(102), call(103), call(104)
	a.Method, b.Method, c.Method, d.Method = "/a", "/b", "/c", "/d"
	push := &wire.Message{Type: wire.TypePush, Method: "/p"}
	req := writes(t, cli.f, a, push, b, cancelOf(102, wire.CodeDeadlineExceeded), c, d, cancelOf(104, wire.CodeCanceled))
	// Ordinals: /a 1, the push 2, /b 3, the cancel 4, /c 5, /d 6, the cancel 7.
	for _, want := range []string{
		"POST /.dmicro/cancel HTTP/1.1\r\nHost: dmicro\r\nRpc-Type: cancel\r\nRpc-Cancel: 3\r\nRpc-Code: 3\r\nConnection: Rpc-Cancel\r\nContent-Length: 0\r\n\r\n",
		"POST /.dmicro/cancel HTTP/1.1\r\nHost: dmicro\r\nRpc-Type: cancel\r\nRpc-Cancel: 6\r\nRpc-Code: 2\r\nConnection: Rpc-Cancel\r\nContent-Length: 0\r\n\r\n",
	} {
		if !strings.Contains(string(req), want) {
			t.Fatalf("requests %q lack the cancel %q", req, want)
		}
	}
	// A second cancel of the same call, and cancels of a push's seq, of an
	// unknown call and of one never sent, write nothing.
	if out := writes(t, cli.f, cancelOf(102, 0), cancelOf(0, 0), cancelOf(7, 0)); len(out) != 0 {
		t.Fatalf("cancels of nothing wrote %q", out)
	}

	srv := serverOn(t, Format{}, string(req), 0)
	reads, err := srv.readAll()
	if err != io.EOF || len(reads) != 7 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	for i, want := range []struct {
		typ    wire.Type
		method string
	}{{wire.TypeCall, "/a"}, {wire.TypePush, "/p"}, {wire.TypeCall, "/b"}, {wire.TypeCancel, ""}, {wire.TypeCall, "/c"}, {wire.TypeCall, "/d"}, {wire.TypeCancel, ""}} {
		if m := reads[i].m; m == nil || m.Type != want.typ || m.Method != want.method {
			t.Fatalf("read %d: %+v, want %v %s", i, reads[i], want.typ, want.method)
		}
	}
	if cm := reads[3].m; cm.Seq != reads[2].m.Seq || cm.Code != wire.CodeDeadlineExceeded {
		t.Fatalf("cancel %+v, want seq %d (the server's seq of /b) and code 3", cm, reads[2].m.Seq)
	}
	if reads[4].m.Seq != 5 {
		t.Fatalf("/c has seq %d: the cancel request must count as a request", reads[4].m.Seq)
	}
	if cm := reads[6].m; cm.Seq != reads[5].m.Seq || cm.Code != wire.CodeCanceled {
		t.Fatalf("cancel %+v, want seq %d (the server's seq of /d) and code 2", cm, reads[5].m.Seq)
	}
	if q := srv.queued(); len(q) != 0 {
		t.Fatalf("wrote %q while /a is owed", q)
	}

	// Answered out of order: d and c, the push, b (its handler saw the
	// cancel), a.
	srv.answer(reads[5], &wire.Message{Code: wire.CodeCanceled, Error: "caller gave up"})
	srv.answer(reads[4], &wire.Message{Codec: 'j', Body: []byte(`"c"`)})
	srv.answer(reads[1], nil)
	srv.answer(reads[2], &wire.Message{Code: wire.CodeDeadlineExceeded, Error: "caller gave up"})
	if q := srv.queued(); len(q) != 0 {
		t.Fatalf("wrote %q while /a is owed", q)
	}
	srv.answer(reads[0], &wire.Message{Codec: 'j', Body: []byte(`"a"`)})
	resp := srv.queued()
	rs := parseResponses(t, resp, "POST", "POST", "POST", "POST", "POST", "POST", "POST")
	for i, st := range []int{200, 202, 504, 204, 200, 499, 204} {
		if rs[i].StatusCode != st {
			t.Fatalf("response %d: status %d, want %d\n%s", i, rs[i].StatusCode, st, resp)
		}
	}
	if rs[3].body != "" || rs[3].ContentLength > 0 || rs[3].Header.Get("Content-Length") != "" || rs[3].Close {
		t.Fatalf("204 %+v %q", rs[3].Header, rs[3].body)
	}

	// The client reads the replies to /a and /c alone.
	back := Format{}.NewFramer(bufio.NewReader(bytes.NewReader(resp)), wire.Options{Client: true})
	writes(t, back, a, push, b, cancelOf(102, 0), c, d, cancelOf(104, 0))
	for _, seq := range []uint32{101, 103} {
		var m wire.Message
		if err := back.ReadMessage(&m); err != nil || m.Type != wire.TypeReply || m.Seq != seq {
			t.Fatalf("%+v, %v; want the reply to %d", m, err, seq)
		}
		m.Release()
	}
	var m wire.Message
	if err := back.ReadMessage(&m); err != io.EOF {
		t.Fatalf("%+v, %v; want io.EOF", m, err)
	}
}

// TestCancelWithoutOwedResponse sends cancels while no response is owed:
// the 204 goes through Interim at once, and nothing reaches the caller.
func TestCancelWithoutOwedResponse(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	srv := newFake(t, Format{}, pr, wire.Options{})
	go io.WriteString(pw, post("/a", "1"))
	var m wire.Message
	if err := srv.f.ReadMessage(&m); err != nil || m.Seq != 1 {
		t.Fatalf("%+v, %v", m, err)
	}
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: 1})
	answered := len(srv.queued())

	// A cancel of /a, already answered, then one of a request never sent:
	// each gets its 204 at once; then a call is read as usual, with the
	// seq that counts both cancels.
	go io.WriteString(pw, cancelReq("1", "Rpc-Code: 2")+cancelReq("99")+post("/b", "2"))
	m.Reset()
	if err := srv.f.ReadMessage(&m); err != nil || m.Type != wire.TypeCall || m.Method != "/b" || m.Seq != 4 {
		t.Fatalf("%+v, %v; want /b with seq 4", m, err)
	}
	rs := parseResponses(t, srv.queued(), "POST", "POST", "POST")
	if rs[0].StatusCode != 200 || rs[1].StatusCode != 204 || rs[2].StatusCode != 204 {
		t.Fatalf("statuses %d %d %d", rs[0].StatusCode, rs[1].StatusCode, rs[2].StatusCode)
	}
	if q := srv.queued()[answered:]; !bytes.HasPrefix(q, []byte("HTTP/1.1 204 No Content\r\nDate: ")) || !bytes.HasSuffix(q, []byte(" GMT\r\n\r\n")) {
		t.Fatalf("204s %q", q)
	}
}

// TestCancelWhatItNames checks what a cancel request may name: only a call
// whose response is still owed makes a cancel message.
func TestCancelWhatItNames(t *testing.T) {
	input := post("/a", "1") + // 1
		post("/p", "1", "Rpc-Type: push") + // 2
		post("/x", "1", "Rpc-Timeout: soon") + // 3: refused
		cancelReq("2") + // 4: a push
		cancelReq("3") + // 5: a refused request
		cancelReq("4") + // 6: a cancel
		cancelReq("6") + // 7: itself
		cancelReq("8") + // 8: not read yet
		cancelReq("") + // 9: nothing
		cancelReq("1", "Rpc-Code: 17") // 10: /a, for an unknown reason: canceled
	srv := serverOn(t, Format{}, input, 0)
	reads, err := srv.readAll()
	if err != io.EOF || len(reads) != 4 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	if reads[2].me == nil || reads[2].me.Seq != 3 {
		t.Fatalf("the refused request: %+v", reads[2])
	}
	if cm := reads[3].m; cm == nil || cm.Type != wire.TypeCancel || cm.Seq != 1 || cm.Code != wire.CodeCanceled {
		t.Fatalf("cancel %+v, want seq 1, code 2", reads[3])
	}
	for _, g := range reads[:3] {
		srv.answer(g, &wire.Message{})
	}
	methods := make([]string, 10)
	for i := range methods {
		methods[i] = "POST"
	}
	for i, r := range parseResponses(t, srv.queued(), methods...)[3:] {
		if r.StatusCode != 204 {
			t.Fatalf("control request %d: status %d", i+4, r.StatusCode)
		}
	}
}

func TestControlRequestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		status      int
		close       bool
	}{
		{"bad ordinal", cancelReq("x1"), 400, false},
		{"ordinal zero", cancelReq("0"), 400, false},
		{"ordinal too big", cancelReq("4294967296"), 400, false},
		{"signed ordinal", cancelReq("+1"), 400, false},
		{"GET", "GET /.dmicro/cancel HTTP/1.1\r\nHost: x\r\nRpc-Type: cancel\r\nRpc-Cancel: 1\r\n\r\n", 405, false},
		{"no Host", "POST /.dmicro/goaway HTTP/1.1\r\nRpc-Type: goaway\r\n\r\n", 400, false},
		{"body over the limit", "POST /.dmicro/cancel HTTP/1.1\r\nHost: x\r\nRpc-Type: cancel\r\nContent-Length: 5000\r\n\r\n", 413, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serverOn(t, Format{}, tc.input+post("/next", "1"), 1024)
			reads, err := srv.readAll()
			if err != io.EOF || len(reads) == 0 || reads[0].me == nil || reads[0].me.Type != wire.TypeCall {
				t.Fatalf("read %+v then %v", reads, err)
			}
			for _, g := range reads {
				srv.answer(g, &wire.Message{})
			}
			methods := []string{"POST", "POST"}[:len(reads)]
			if r := parseResponses(t, srv.queued(), methods...)[0]; r.StatusCode != tc.status || r.Close != tc.close {
				t.Fatalf("status %d close %v, want %d %v", r.StatusCode, r.Close, tc.status, tc.close)
			}
		})
	}
	t.Run("a body is read and dropped", func(t *testing.T) {
		input := "POST /.dmicro/cancel HTTP/1.1\r\nHost: x\r\nRpc-Type: cancel\r\nRpc-Cancel: 9\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
			"POST /.dmicro/cancel HTTP/1.0\r\nRpc-Type: CANCEL\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nxy" + post("/next", "1")
		srv := serverOn(t, Format{}, input, 0)
		reads, err := srv.readAll()
		if err != io.EOF || len(reads) != 1 || reads[0].m.Method != "/next" || reads[0].m.Seq != 3 {
			t.Fatalf("read %+v then %v", reads, err)
		}
		srv.answer(reads[0], &wire.Message{})
		rs := parseResponses(t, srv.queued(), "POST", "POST", "POST")
		if rs[0].StatusCode != 204 || rs[1].StatusCode != 204 || rs[1].Header.Get("Connection") != "keep-alive" || rs[2].StatusCode != 200 {
			t.Fatalf("responses %+v", rs)
		}
	})
}

// TestServerGoAway checks the accepting side's go-away: the next response
// written says "Connection: close" (the first one owed, or the next one
// when none is), and the requests read afterwards are still read and
// answered. TestGoAwayInterim checks the interim response it writes.
func TestServerGoAway(t *testing.T) {
	goAway := &wire.Message{Type: wire.TypeGoAway}
	t.Run("with responses owed", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		srv := newFake(t, Format{}, pr, wire.Options{})
		go io.WriteString(pw, post("/a", "1")+post("/b", "2"))
		var a, b wire.Message
		if err := srv.f.ReadMessage(&a); err != nil {
			t.Fatal(err)
		}
		if err := srv.f.ReadMessage(&b); err != nil {
			t.Fatal(err)
		}
		srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: b.Seq}) // held: rendered before the go-away
		if out := writes(t, srv.f, goAway); string(out) != goAwayInterim {
			t.Fatalf("the go-away wrote %q, want the interim response", out)
		}
		srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: a.Seq})
		// A request that crossed the close is read and answered.
		go io.WriteString(pw, post("/c", "3"))
		var c wire.Message
		if err := srv.f.ReadMessage(&c); err != nil || c.Method != "/c" {
			t.Fatalf("%+v, %v; want /c", c, err)
		}
		srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: c.Seq})
		rs := parseResponses(t, srv.queued(), "POST", "POST", "POST")
		if !rs[0].Close || rs[1].Close || !rs[2].Close {
			t.Fatalf("Connection: close on responses a, b, c: %v %v %v; want true false true", rs[0].Close, rs[1].Close, rs[2].Close)
		}
	})
	t.Run("without a response owed", func(t *testing.T) {
		srv := serverOn(t, Format{}, post("/a", "1")+cancelReq("7"), 0)
		writes(t, srv.f, goAway)
		reads, err := srv.readAll()
		if err != io.EOF || len(reads) != 1 || srv.goAways != 0 {
			t.Fatalf("read %+v then %v, %d go-aways", reads, err, srv.goAways)
		}
		srv.answer(reads[0], &wire.Message{})
		rs := parseResponses(t, srv.queued(), "POST", "POST")
		if !rs[0].Close || rs[1].StatusCode != 204 || !rs[1].Close {
			t.Fatalf("responses %v %d %v", rs[0].Close, rs[1].StatusCode, rs[1].Close)
		}
	})
	t.Run("with a code", func(t *testing.T) {
		srv := serverOn(t, Format{}, post("/a", "1"), 0)
		writes(t, srv.f, &wire.Message{Type: wire.TypeGoAway, Code: wire.CodeBadMessage}, &wire.Message{Type: wire.TypeGoAwayAck})
		reads, _ := srv.readAll()
		srv.answer(reads[0], &wire.Message{})
		if r := parseResponses(t, srv.queued(), "POST")[0]; r.Close {
			t.Fatal("a go-away with a code, or an ack, marked the connection")
		}
	})
}

// TestClientSideOfServerGoAway reads a response that says "Connection:
// close": the reply is delivered, then the go-away; the replies to the
// requests that crossed the close still come; no cancel or go-away
// request is written after it.
func TestClientSideOfServerGoAway(t *testing.T) {
	input := "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\nContent-Type: text/plain\r\n\r\n1" +
		"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	f := clientOn(t, input, 0, call(1), &wire.Message{Type: wire.TypePush, Method: "/p"}, call(3), call(4))
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeReply || m.Seq != 1 || string(m.Body) != "1" {
		t.Fatalf("%+v, %v; want the reply to 1 first", m, err)
	}
	m.Release()
	if out := writes(t, f, cancelOf(3, 0), &wire.Message{Type: wire.TypeGoAway}); len(out) != 0 {
		t.Fatalf("wrote %q after a response that said close", out)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeGoAway || m.Code != 0 {
		t.Fatalf("%+v, %v; want a go-away", m, err)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeReply || m.Seq != 3 {
		t.Fatalf("%+v, %v; want the reply to 3, after the 202 to the push", m, err)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != io.EOF {
		t.Fatalf("%+v, %v; want io.EOF (4 is not answered), and one go-away only", m, err)
	}
}

// TestClientGoAwayRequest checks the dialing side's go-away: a last
// request, which the server answers 204 in order, with "Connection:
// close"; the server reads no request after it but still reads the
// responses to its own requests.
func TestClientGoAwayRequest(t *testing.T) {
	cli := newFake(t, Format{}, strings.NewReader(""), wire.Options{Client: true})
	goAway := &wire.Message{Type: wire.TypeGoAway}
	out := writes(t, cli.f, call(1), goAway)
	if !strings.HasSuffix(string(out), "POST /.dmicro/goaway HTTP/1.1\r\nHost: dmicro\r\nRpc-Type: goaway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n") {
		t.Fatalf("requests %q", out)
	}
	if more := writes(t, cli.f, goAway, cancelOf(1, 0)); len(more) != 0 {
		t.Fatalf("wrote %q after the go-away request", more)
	}

	// The server had called the client (its seq 40): the client's answer
	// follows the go-away request, then a stray request it must not read.
	srv := newFake(t, Format{}, io.MultiReader(bytes.NewReader(out),
		strings.NewReader("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n40"+post("/stray", "1"))), wire.Options{})
	writes(t, srv.f, call(40))
	var m wire.Message
	if err := srv.f.ReadMessage(&m); err != nil || m.Type != wire.TypeCall || m.Seq != 1 {
		t.Fatalf("%+v, %v; want call 1", m, err)
	}
	var g wire.Message
	if err := srv.f.ReadMessage(&g); err != nil || g.Type != wire.TypeGoAway || g.Code != 0 {
		t.Fatalf("%+v, %v; want a go-away", g, err)
	}
	var r wire.Message
	if err := srv.f.ReadMessage(&r); err != nil || r.Type != wire.TypeReply || r.Seq != 40 || string(r.Body) != "40" {
		t.Fatalf("%+v, %v; want the client's reply to 40", r, err)
	}
	r.Release()
	if err := srv.f.ReadMessage(&r); err != io.EOF {
		t.Fatalf("%+v, %v; want io.EOF: the stray request is not read", r, err)
	}
	if q := srv.queued(); len(q) != 0 {
		t.Fatalf("the 204 went out before the response to call 1: %q", q)
	}
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: m.Seq, Codec: 'j', Body: []byte("1")})
	resp := srv.queued()
	rs := parseResponses(t, resp, "POST", "POST")
	if rs[0].StatusCode != 200 || rs[1].StatusCode != 204 || !rs[1].Close {
		t.Fatalf("responses %d, %d close %v", rs[0].StatusCode, rs[1].StatusCode, rs[1].Close)
	}

	// The client reads the reply, drops the 204 and reports the close.
	back := Format{}.NewFramer(bufio.NewReader(bytes.NewReader(resp)), wire.Options{Client: true})
	writes(t, back, call(1), goAway)
	var rm wire.Message
	if err := back.ReadMessage(&rm); err != nil || rm.Type != wire.TypeReply || rm.Seq != 1 {
		t.Fatalf("%+v, %v", rm, err)
	}
	rm.Release()
	rm.Reset()
	if err := back.ReadMessage(&rm); err != nil || rm.Type != wire.TypeGoAway {
		t.Fatalf("%+v, %v; want a go-away", rm, err)
	}
	if err := back.ReadMessage(&rm); err != io.EOF {
		t.Fatalf("%v, want io.EOF", err)
	}
}

// TestCancelBothDirections runs two framers on a net.Pipe: both sides
// call and cancel, and each direction's ordinals map to the reading
// side's seqs, whatever the interleaving of requests and responses.
func TestCancelBothDirections(t *testing.T) {
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

	// The client sends calls 1 and 2 (rpc seqs 11, 12) and a push.
	cli.mustSend(call(11))
	cli.mustSend(call(12))
	cli.mustSend(&wire.Message{Type: wire.TypePush, Method: "/p"})
	flush(cli, a)
	c11, c12, p := read(srv), read(srv), read(srv)
	if c11.Seq != 1 || c12.Seq != 2 || p.Type != wire.TypePush {
		t.Fatalf("server read seqs %d %d %v", c11.Seq, c12.Seq, p.Type)
	}
	// The server answers the push, calls the client twice (rpc seqs 70,
	// 71), and answers call 11.
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: p.Seq}) // held behind 11 and 12
	srv.mustSend(call(70))
	srv.mustSend(call(71))
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: c11.Seq, Codec: 'j', Body: []byte("11")})
	flush(srv, b)
	s70, s71 := read(cli), read(cli)
	if s70.Seq != 1 || s71.Seq != 2 {
		t.Fatalf("client read the server's calls as seqs %d, %d", s70.Seq, s71.Seq)
	}
	if r := read(cli); r.Type != wire.TypeReply || r.Seq != 11 {
		t.Fatalf("reply %+v", r)
	}

	// Each side cancels its second call: the client's call 12 (its 2nd
	// request), the server's call 71 (its 2nd request).
	cli.mustSend(cancelOf(12, wire.CodeCanceled))
	cli.mustSend(&wire.Message{Type: wire.TypeReply, Seq: s70.Seq, Codec: 'j', Body: []byte("70")})
	srv.mustSend(cancelOf(71, wire.CodeDeadlineExceeded))
	flush(cli, a)
	flush(srv, b)
	if m := read(srv); m.Type != wire.TypeCancel || m.Seq != c12.Seq || m.Code != wire.CodeCanceled {
		t.Fatalf("server read %+v, want a cancel of its seq %d", m, c12.Seq)
	}
	if m := read(srv); m.Type != wire.TypeReply || m.Seq != 70 {
		t.Fatalf("server read %+v, want the reply to 70", m)
	}
	if m := read(cli); m.Type != wire.TypeCancel || m.Seq != s71.Seq || m.Code != wire.CodeDeadlineExceeded {
		t.Fatalf("client read %+v, want a cancel of its seq %d", m, s71.Seq)
	}

	// Both canceled calls are answered; the answers and the 204s are
	// dropped, and a last call each way goes through in step.
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: c12.Seq, Code: wire.CodeCanceled, Error: "canceled"})
	srv.mustSend(call(72))
	cli.mustSend(&wire.Message{Type: wire.TypeReply, Seq: s71.Seq, Code: wire.CodeDeadlineExceeded, Error: "late"})
	cli.mustSend(call(13))
	flush(srv, b)
	flush(cli, a)
	s72 := read(cli)
	if s72.Type != wire.TypeCall || s72.Seq != 4 {
		t.Fatalf("client read %+v, want the server's 4th request", s72)
	}
	c13 := read(srv)
	if c13.Type != wire.TypeCall || c13.Seq != 5 {
		t.Fatalf("server read %+v, want the client's 5th request", c13)
	}
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: c13.Seq, Codec: 'j', Body: []byte("13")})
	cli.mustSend(&wire.Message{Type: wire.TypeReply, Seq: s72.Seq, Codec: 'j', Body: []byte("72")})
	flush(srv, b)
	flush(cli, a)
	if m := read(cli); m.Type != wire.TypeReply || m.Seq != 13 || string(m.Body) != "13" {
		t.Fatalf("client read %+v, want the reply to 13", m)
	}
	if m := read(srv); m.Type != wire.TypeReply || m.Seq != 72 || string(m.Body) != "72" {
		t.Fatalf("server read %+v, want the reply to 72", m)
	}
}

// TestControlResponseErrors checks that a broken answer to a cancel or
// go-away request, or to a canceled call, is reported as a cancel (which
// the rpc layer drops) and closes the connection.
func TestControlResponseErrors(t *testing.T) {
	f := clientOn(t, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 0, call(1), cancelOf(1, 0))
	var m wire.Message
	var me *wire.MessageError
	if err := f.ReadMessage(&m); !errors.As(err, &me) || me.Type != wire.TypeCancel || me.Seq != 1 || !me.Close {
		t.Fatalf("%v; want a MessageError of type CANCEL that closes", err)
	}

	// A server that does not know control requests may refuse them: the
	// refusal is dropped. A success other than 204 answers some other
	// request: the responses are out of step, and the connection closes
	// rather than hand the next reply to the wrong call.
	notFound := "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Type: text/plain\r\n\r\n2"
	// Requests: 1 (canceled), cancel, 2 (canceled), cancel, 3. Responses:
	// 1's, a 404 to the first cancel, 2's, then a 200 where the second
	// cancel's answer belongs.
	f = clientOn(t, ok+notFound+ok+ok, 0, call(1), cancelOf(1, 0), call(2), cancelOf(2, 0), call(3))
	var me2 *wire.MessageError
	if err := f.ReadMessage(&m); !errors.As(err, &me2) || me2.Type != wire.TypeCancel || !me2.Close || !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("%+v, %v; want the 200 to the cancel refused, closing", m, err)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeGoAway {
		t.Fatalf("%+v, %v; want a go-away", m, err)
	}
	if err := f.ReadMessage(&m); err != io.EOF {
		t.Fatalf("%+v, %v; want io.EOF: nothing after is matched", m, err)
	}
}

// TestGoAwayInterim checks that a server going away while a response is
// owed tells the client at once, with an interim response, instead of
// with the owed response, which a slow handler may hold up for long; and
// that a client reads it as a go-away before the reply it precedes.
func TestGoAwayInterim(t *testing.T) {
	srv := serverOn(t, Format{}, post("/slow", "1"), 0)
	var slow wire.Message
	if err := srv.f.ReadMessage(&slow); err != nil {
		t.Fatal(err)
	}
	out := writes(t, srv.f, &wire.Message{Type: wire.TypeGoAway})
	if want := golden(t, "goaway-interim"); string(out) != want {
		t.Fatalf("the go-away wrote %q, want FORMAT.md's interim response %q", out, want)
	}
	if again := writes(t, srv.f, &wire.Message{Type: wire.TypeGoAway}); len(again) != 0 {
		t.Fatalf("a second go-away wrote %q", again)
	}
	srv.mustSend(&wire.Message{Type: wire.TypeReply, Seq: slow.Seq, Codec: 'j', Body: []byte("2")})

	// What the server wrote, read back by a client: the go-away first,
	// then the reply to the slow call; nothing more may be sent.
	cli := clientOn(t, string(out)+string(srv.queued()), 0, call(1))
	var m wire.Message
	if err := cli.ReadMessage(&m); err != nil || m.Type != wire.TypeGoAway || m.Code != 0 {
		t.Fatalf("%+v, %v; want a go-away", m, err)
	}
	m.Reset()
	if err := cli.ReadMessage(&m); err != nil || m.Type != wire.TypeReply || m.Seq != 1 || string(m.Body) != "2" {
		t.Fatalf("%+v, %v; want the reply to 1", m, err)
	}
	if w := writes(t, cli, cancelOf(1, 0), &wire.Message{Type: wire.TypeGoAway}); len(w) != 0 {
		t.Fatalf("wrote %q after the server went away", w)
	}

	// An HTTP/1.0 request may not be given an interim response.
	old := serverOn(t, Format{}, strings.Replace(post("/slow", "1"), "HTTP/1.1", "HTTP/1.0", 1), 0)
	if err := old.f.ReadMessage(&slow); err != nil {
		t.Fatal(err)
	}
	if out := writes(t, old.f, &wire.Message{Type: wire.TypeGoAway}); len(out) != 0 {
		t.Fatalf("the go-away wrote %q to an HTTP/1.0 client", out)
	}
}

package http

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestPipelinedRepliesOutOfOrderGoInRequestOrder(t *testing.T) {
	input := post("/a", `"a"`) + post("/b", `"b"`) + post("/c", `"c"`) + post("/d", `"d"`)
	fr := serverOn(t, Format{}, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 4 {
		t.Fatalf("read %d messages, then %v", len(reads), err)
	}
	for i, g := range reads {
		if g.m == nil || g.m.Type != wire.TypeCall || g.m.Method != "/"+string(rune('a'+i)) {
			t.Fatalf("read %d: %+v", i, g)
		}
	}
	reply := func(i int) {
		fr.answer(reads[i], &wire.Message{Codec: 'j', Body: []byte(fmt.Sprintf(`"reply %c"`, 'a'+i))})
	}
	// The handlers finish in the order c, a, d, b.
	reply(2)
	if q := fr.queued(); len(q) != 0 {
		t.Fatalf("the reply to c went out before a's: %q", q)
	}
	reply(0)
	if got := parseResponses(t, fr.queued(), "POST"); got[0].body != `"reply a"` {
		t.Fatalf("after a's reply the queue holds %q, want a's response alone", got[0].body)
	}
	reply(3)
	reply(1) // releases b, c and d at once
	resps := parseResponses(t, fr.queued(), "POST", "POST", "POST", "POST")
	for i, r := range resps {
		want := fmt.Sprintf(`"reply %c"`, 'a'+i)
		if r.StatusCode != 200 || r.body != want || r.Header.Get("Connection") != "" {
			t.Errorf("response %d: %d %q %v, want 200 %q kept alive", i, r.StatusCode, r.body, r.Header, want)
		}
	}
}

func TestKeepAliveReadsOnAfterAResponse(t *testing.T) {
	pr, pw := io.Pipe()
	fr := newFake(t, Format{}, pr, wire.Options{})
	go func() {
		io.WriteString(pw, post("/one", "1"))
		io.WriteString(pw, post("/two", "2"))
		pw.Close()
	}()
	for i, method := range []string{"/one", "/two"} {
		var m wire.Message
		if err := fr.f.ReadMessage(&m); err != nil || m.Method != method {
			t.Fatalf("request %d: %q, %v", i, m.Method, err)
		}
		fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: m.Seq, Codec: 'j', Body: m.Body})
		m.Release()
	}
	var m wire.Message
	if err := fr.f.ReadMessage(&m); err != io.EOF {
		t.Fatalf("after the last request: %v, want io.EOF", err)
	}
	for _, r := range parseResponses(t, fr.queued(), "POST", "POST") {
		if r.Close || r.StatusCode != 200 {
			t.Fatalf("response %+v: want 200, connection kept", r.Response)
		}
	}
}

func TestConnectionCloseEndsReading(t *testing.T) {
	input := post("/one", "1", "Connection: close") + post("/never", "2")
	fr := serverOn(t, Format{}, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 1 || reads[0].m.Method != "/one" || fr.goAways != 1 {
		t.Fatalf("read %+v then %v, %d go-aways; want /one, a go-away, then io.EOF", reads, err, fr.goAways)
	}
	fr.answer(reads[0], &wire.Message{Codec: 'j', Body: []byte("1")})
	r := parseResponses(t, fr.queued(), "POST")[0]
	if !r.Close { // net/http reports "Connection: close" as Close
		t.Fatalf("response header %v: want Connection: close", r.Header)
	}
}

func TestHTTP10(t *testing.T) {
	t.Run("closes by default", func(t *testing.T) {
		input := "POST /x HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n1" + post("/never", "2")
		fr := serverOn(t, Format{}, input, 0)
		reads, err := fr.readAll()
		if err != io.EOF || len(reads) != 1 || reads[0].m == nil || fr.goAways != 1 {
			t.Fatalf("read %+v then %v", reads, err)
		}
		fr.answer(reads[0], &wire.Message{Codec: 'j', Body: []byte("1")})
		if r := parseResponses(t, fr.queued(), "POST")[0]; !r.Close || r.StatusCode != 200 {
			t.Fatalf("response %d %v", r.StatusCode, r.Header)
		}
	})
	t.Run("keep-alive", func(t *testing.T) {
		input := "POST /x HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n1" +
			"POST /y HTTP/1.0\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n2"
		fr := serverOn(t, Format{}, input, 0)
		reads, err := fr.readAll()
		if err != io.EOF || len(reads) != 2 {
			t.Fatalf("read %+v then %v", reads, err)
		}
		for _, g := range reads {
			fr.answer(g, &wire.Message{Codec: 'j', Body: g.m.Body})
		}
		rs := parseResponses(t, fr.queued(), "POST", "POST")
		if rs[0].Header.Get("Connection") != "keep-alive" || rs[0].Close || !rs[1].Close {
			t.Fatalf("Connection headers %q, %v; want keep-alive, then close", rs[0].Header.Get("Connection"), rs[1].Close)
		}
		if strings.Contains(string(fr.queued()), "100 Continue") {
			t.Fatal("100 Continue sent to an HTTP/1.0 client")
		}
	})
}

func TestChunkedBody(t *testing.T) {
	input := "POST /c HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: Chunked\r\n\r\n" +
		"5;name=value\r\nhello\r\n" + "1\r\n,\r\n" + "B \r\n 0123456789\r\n" + "0\r\nTrailer: ignored\r\n\r\n" +
		post("/next", "1")
	fr := serverOn(t, Format{}, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 2 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	if m := reads[0].m; string(m.Body) != "hello, 0123456789" || m.Codec != 's' {
		t.Fatalf("chunked body %q codec %q", m.Body, m.Codec)
	}
	if reads[1].m.Method != "/next" {
		t.Fatalf("the request after the chunked one: %+v", reads[1])
	}

	// A long chunked body grows its buffer past several pool classes.
	var b strings.Builder
	b.WriteString("POST /big HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
	want := strings.Repeat("0123456789abcdef", 1000)
	for i := 0; i < len(want); i += 1000 {
		b.WriteString(fmt.Sprintf("%x\r\n%s\r\n", 1000, want[i:i+1000]))
	}
	b.WriteString("0\r\n\r\n")
	fr = serverOn(t, Format{}, b.String(), 0)
	if reads, err = fr.readAll(); err != io.EOF || len(reads) != 1 || string(reads[0].m.Body) != want {
		t.Fatalf("long chunked body: %d reads, %v", len(reads), err)
	}
	reads[0].m.Release()
}

func Test100Continue(t *testing.T) {
	expect := "Expect: 100-continue"
	t.Run("sent before reading the body", func(t *testing.T) {
		pr, pw := io.Pipe()
		fr := newFake(t, Format{}, pr, wire.Options{})
		full := post("/x", "[1]", expect)
		head := full[:len(full)-3]
		done := make(chan error, 1)
		go func() {
			var m wire.Message
			done <- fr.f.ReadMessage(&m)
			m.Release()
		}()
		io.WriteString(pw, head)
		// The client sends the body only once it has the 100.
		for !strings.Contains(string(fr.queued()), "100 Continue") {
			select {
			case err := <-done:
				t.Fatalf("ReadMessage returned %v before the body was sent", err)
			case <-time.After(time.Millisecond):
			}
		}
		if q := string(fr.queued()); q != "HTTP/1.1 100 Continue\r\n\r\n" {
			t.Fatalf("interim bytes %q", q)
		}
		io.WriteString(pw, "[1]")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		pw.Close()
	})
	t.Run("not while an earlier response is owed", func(t *testing.T) {
		fr := serverOn(t, Format{}, post("/a", "1")+post("/b", "2", expect), 0)
		reads, err := fr.readAll()
		if err != io.EOF || len(reads) != 2 {
			t.Fatalf("read %+v then %v", reads, err)
		}
		if q := fr.queued(); len(q) != 0 {
			t.Fatalf("interim bytes %q with a response owed", q)
		}
	})
	t.Run("after the earlier responses are written", func(t *testing.T) {
		pr, pw := io.Pipe()
		fr := newFake(t, Format{}, pr, wire.Options{})
		go func() {
			io.WriteString(pw, post("/a", "1"))
			io.WriteString(pw, post("/b", "2", expect))
			pw.Close()
		}()
		var a, b wire.Message
		if err := fr.f.ReadMessage(&a); err != nil {
			t.Fatal(err)
		}
		fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: a.Seq})
		if err := fr.f.ReadMessage(&b); err != nil {
			t.Fatal(err)
		}
		fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: b.Seq})
		q := string(fr.queued())
		if i, j := strings.Index(q, "HTTP/1.1 200"), strings.Index(q, "100 Continue"); i < 0 || j < i {
			t.Fatalf("the 100 must follow the first response: %q", q)
		}
		parseResponses(t, []byte(q), "POST", "POST")
	})
	t.Run("not for a body over the limit", func(t *testing.T) {
		fr := serverOn(t, Format{}, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n", 1000)
		reads, err := fr.readAll()
		if err != io.EOF || len(reads) != 1 || reads[0].me == nil || !reads[0].me.Close {
			t.Fatalf("read %+v then %v", reads, err)
		}
		fr.answer(reads[0], nil)
		q := fr.queued()
		if r := parseResponses(t, q, "POST")[0]; r.StatusCode != 413 || strings.Contains(string(q), "100 Continue") {
			t.Fatalf("got %q", q)
		}
	})
}

func TestStatusOfEveryCode(t *testing.T) {
	cases := map[int32]int{
		0:                         200,
		wire.CodeBadMessage:       400,
		wire.CodeCodec:            400,
		wire.CodeInvalidArgument:  400,
		wire.CodeUnauthorized:     401,
		wire.CodeNotFound:         404,
		wire.CodeTooLarge:         413,
		wire.CodeOverloaded:       503,
		wire.CodeUnavailable:      503,
		wire.CodeDeadlineExceeded: 504,
		wire.CodeCanceled:         499,
		wire.CodeConnClosed:       502,
		wire.CodeWriteFailed:      502,
		wire.CodeDialFailed:       502,
		wire.CodePanic:            500,
		wire.CodeInternal:         500,
		wire.CodeUnknown:          500,
		wire.CodeUser:             400,
		wire.CodeUser + 42:        400,
		17:                        500,
		999:                       500,
		-3:                        500,
	}
	for code, status := range cases {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			fr := serverOn(t, Format{}, post("/x", "1"), 0)
			reads, _ := fr.readAll()
			msg := ""
			if code != 0 {
				msg = "failed \"badly\"\n"
			}
			fr.answer(reads[0], &wire.Message{Code: code, Error: msg, Codec: 'j', Body: []byte("7")})
			r := parseResponses(t, fr.queued(), "POST")[0]
			if r.StatusCode != status {
				t.Fatalf("code %d: status %d, want %d", code, r.StatusCode, status)
			}
			if code == 0 {
				if r.body != "7" || r.Header.Get("Rpc-Code") != "" {
					t.Fatalf("success: %q %v", r.body, r.Header)
				}
				return
			}
			if c, m := errorJSON(t, r.body); c != int(code) || m != msg {
				t.Fatalf("error body %q", r.body)
			}
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Rpc-Code") != fmt.Sprint(code) {
				t.Fatalf("error headers %v", r.Header)
			}
		})
	}
}

// refusal is a request the framer refuses, and how it must be answered.
type refusal struct {
	name   string
	input  string
	status int
	code   int32
	close  bool   // the connection ends after the answer
	method string // the request method, for parsing the response
	allow  string
}

func TestRefusals(t *testing.T) {
	longLine := "X-Long: " + strings.Repeat("a", maxLineBytes) + "\r\n"
	manyLines := strings.Repeat("X-Many: 1\r\n", maxHeaderLines+1)
	bigHead := strings.Repeat("X-Big: "+strings.Repeat("b", 4000)+"\r\n", 17)
	cases := []refusal{
		{name: "unsupported media type", input: post("/x", "1", "Content-Type: image/png")[0:0] +
			"POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1\r\n\r\n1", status: 415, code: wire.CodeCodec},
		{name: "body without content type", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1", status: 415, code: wire.CodeCodec},
		{name: "chunked body without content type", input: "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", status: 415, code: wire.CodeCodec},
		{name: "GET not allowed", input: "GET /x?a=1 HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, code: wire.CodeBadMessage, method: "GET", allow: "POST"},
		{name: "HEAD", input: "HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, code: wire.CodeBadMessage, method: "HEAD", allow: "POST"},
		{name: "HEAD of a GET method", input: "HEAD /get HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, code: wire.CodeBadMessage, method: "HEAD", allow: "GET, POST"},
		{name: "PUT with a body", input: "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", status: 405, code: wire.CodeBadMessage, method: "PUT", allow: "POST"},
		{name: "DELETE", input: "DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, code: wire.CodeBadMessage, method: "DELETE", allow: "POST"},
		{name: "OPTIONS", input: "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, code: wire.CodeBadMessage, method: "OPTIONS", allow: "POST"},
		{name: "line too long", input: "POST /x HTTP/1.1\r\nHost: x\r\n" + longLine + "\r\n", status: 431, code: wire.CodeTooLarge, close: true},
		{name: "request line too long", input: "POST /" + strings.Repeat("x", maxLineBytes) + " HTTP/1.1\r\n\r\n", status: 431, code: wire.CodeTooLarge, close: true},
		{name: "too many header lines", input: "POST /x HTTP/1.1\r\nHost: x\r\n" + manyLines + "\r\n", status: 431, code: wire.CodeTooLarge, close: true},
		{name: "head too large", input: "POST /x HTTP/1.1\r\nHost: x\r\n" + bigHead + "\r\n", status: 431, code: wire.CodeTooLarge, close: true},
		{name: "body too large", input: post("/x", strings.Repeat("1", 2000)), status: 413, code: wire.CodeTooLarge, close: true},
		{name: "chunked body too large", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + strings.Repeat("a", 1024) + "\r\n400\r\n", status: 413, code: wire.CodeTooLarge, close: true},
		{name: "malformed request line", input: "POST /x\r\nHost: x\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "garbage", input: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "method not a token", input: "PO(ST /x HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "space in target", input: "POST /a b HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "bad version", input: "POST /x HTTP/1.x\r\nHost: x\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "HTTP/2", input: "POST /x HTTP/2.0\r\nHost: x\r\n\r\n", status: 505, code: wire.CodeBadMessage, close: true},
		{name: "bad content length", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: -1\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "two content lengths", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "length and chunked", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "gzip transfer coding", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "bad chunk size", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "chunk without line ending", input: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "header folding", input: "POST /x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "space before colon", input: "POST /x HTTP/1.1\r\nHost : x\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "control character in a value", input: "POST /x HTTP/1.1\r\nHost: x\x00y\r\n\r\n", status: 400, code: wire.CodeBadMessage, close: true},
		{name: "bad timeout", input: post("/x", "1", "Rpc-Timeout: soon"), status: 400, code: wire.CodeBadMessage},
		{name: "negative timeout", input: post("/x", "1", "Rpc-Timeout: -1s"), status: 400, code: wire.CodeBadMessage},
		{name: "unknown Rpc-Type", input: post("/x", "1", "Rpc-Type: stream"), status: 400, code: wire.CodeBadMessage},
		{name: "no Host", input: "POST /x HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n1", status: 400, code: wire.CodeBadMessage},
		{name: "two Hosts", input: post("/x", "1", "Host: y"), status: 400, code: wire.CodeBadMessage},
		{name: "bad percent escape", input: post("/x%zz", "1"), status: 400, code: wire.CodeBadMessage},
		{name: "fragment", input: post("/x#frag", "1"), status: 400, code: wire.CodeBadMessage},
		{name: "relative target", input: post("x", "1"), status: 400, code: wire.CodeBadMessage},
		{name: "JSON-RPC not wired in", input: post("/rpc", "{}"), status: 501, code: wire.CodeNotFound},
	}
	ft := Format{GetMethods: map[string]bool{"/get": true}, JSONRPCPath: "/rpc"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A second request follows: it is read only when the stream is
			// still in step.
			fr := serverOn(t, ft, tc.input+post("/next", "2"), 1024)
			reads, err := fr.readAll()
			if err != io.EOF || len(reads) == 0 {
				t.Fatalf("read %+v then %v", reads, err)
			}
			me := reads[0].me
			if me == nil {
				t.Fatalf("the request was read as %+v", reads[0].m)
			}
			if me.Type != wire.TypeCall || me.Code != tc.code || me.Close != tc.close || me.Seq == 0 {
				t.Fatalf("MessageError %+v: want type CALL, code %d, close %v", me, tc.code, tc.close)
			}
			if !errors.Is(me, wire.ErrMalformed) && !errors.Is(me, wire.ErrTooLarge) {
				t.Fatalf("MessageError %v wraps neither sentinel", me)
			}
			if !strings.HasPrefix(me.Err.Error(), "http: ") {
				t.Fatalf("error %q does not start with http:", me.Err)
			}
			wantReads := 2
			if tc.close {
				wantReads = 1
			}
			if len(reads) != wantReads || fr.goAways != 2-wantReads {
				t.Fatalf("read %d messages and %d go-aways; want %d (close %v)", len(reads), fr.goAways, wantReads, tc.close)
			}
			for _, g := range reads {
				fr.answer(g, &wire.Message{})
			}
			method := tc.method
			if method == "" {
				method = "POST"
			}
			methods := []string{method, "POST"}[:wantReads]
			r := parseResponses(t, fr.queued(), methods...)[0]
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			if r.Close != tc.close {
				t.Fatalf("Connection: close is %v, want %v", r.Close, tc.close)
			}
			if got := r.Header.Get("Allow"); got != tc.allow {
				t.Fatalf("Allow %q, want %q", got, tc.allow)
			}
			if r.Header.Get("Rpc-Code") != fmt.Sprint(tc.code) {
				t.Fatalf("Rpc-Code %q, want %d", r.Header.Get("Rpc-Code"), tc.code)
			}
			if method == "HEAD" {
				if r.body != "" {
					t.Fatalf("a response to HEAD has a body %q", r.body)
				}
				return
			}
			if c, _ := errorJSON(t, r.body); c != int(tc.code) {
				t.Fatalf("error body %q", r.body)
			}
		})
	}
}

// TestRefusalBehindAnOwedResponse checks that a request that puts the
// stream out of step while an earlier response is owed does not ask the
// caller to close at once (which would lose that response): reading ends
// with a go-away instead, and both responses are written in order.
func TestRefusalBehindAnOwedResponse(t *testing.T) {
	fr := serverOn(t, Format{}, post("/a", "1")+"BAD\r\n\r\n", 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 2 || reads[1].me == nil || fr.goAways != 1 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	if reads[1].me.Close {
		t.Fatal("Close set while an earlier response is owed")
	}
	fr.answer(reads[1], nil)
	fr.answer(reads[0], &wire.Message{Codec: 'j', Body: []byte("1")})
	rs := parseResponses(t, fr.queued(), "POST", "POST")
	if rs[0].StatusCode != 200 || rs[1].StatusCode != 400 || !rs[1].Close {
		t.Fatalf("statuses %d, %d (close %v)", rs[0].StatusCode, rs[1].StatusCode, rs[1].Close)
	}
}

func TestMetadataBothWays(t *testing.T) {
	input := post("/x", "1", "Rpc-Meta-Author: liu", "rpc-meta-TRACE-ID:  abc def ", "RPC-META-Empty:", "X-Other: no", "Rpc-Metadata: no", "Rpc-Meta-Author: again")
	fr := serverOn(t, Format{}, input, 0)
	reads, _ := fr.readAll()
	m := reads[0].m
	var kv []string
	m.Meta.Range(func(k, v string) bool { kv = append(kv, k+"="+v); return true })
	if got := strings.Join(kv, ","); got != "author=liu,trace-id=abc def,empty=,author=again" {
		t.Fatalf("metadata %q", got)
	}
	reply := &wire.Message{Codec: 'j', Body: []byte("1")}
	reply.Meta.Set("author", "liu")
	reply.Meta.Set("trace-id", "x y")
	reply.Meta.Set("MiXed", "v")
	fr.answer(reads[0], reply)
	q := string(fr.queued())
	for _, line := range []string{"\r\nRpc-Meta-Author: liu\r\n", "\r\nRpc-Meta-Trace-Id: x y\r\n", "\r\nRpc-Meta-Mixed: v\r\n"} {
		if !strings.Contains(q, line) {
			t.Errorf("response lacks %q:\n%s", line, q)
		}
	}
}

func TestReplyMetadataThatCannotBeCarried(t *testing.T) {
	for name, kv := range map[string][2]string{
		"key with a space": {"a b", "v"},
		"value with CRLF":  {"k", "v\r\nInjected: yes"},
		"huge":             {"k", strings.Repeat("v", maxHeadBytes)},
	} {
		t.Run(name, func(t *testing.T) {
			fr := serverOn(t, Format{}, post("/x", "1"), 1<<20)
			reads, _ := fr.readAll()
			reply := &wire.Message{Codec: 'j', Body: []byte("1")}
			reply.Meta.Set(kv[0], kv[1])
			fr.answer(reads[0], reply)
			r := parseResponses(t, fr.queued(), "POST")[0]
			if r.StatusCode != 500 || r.Header.Get("Injected") != "" || r.Header.Get("Rpc-Code") != "14" {
				t.Fatalf("response %d %v", r.StatusCode, r.Header)
			}
		})
	}
}

func TestRequestFields(t *testing.T) {
	input := post("/svc/m%C3%A9thod?ignored=1", "[1]", "Rpc-Timeout: 1.5s", "Accept: text/html, application/xml;q=0.9, */*", "Rpc-Filters: 1, 7") +
		post("/p", `"x"`, "Rpc-Type: push") +
		"POST http://example.com:8080/abs?q HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/x-protobuf; proto=x\r\nRpc-Codec: 109\r\nContent-Length: 1\r\n\r\nz" +
		"POST /empty HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
	fr := serverOn(t, Format{}, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 4 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	m := reads[0].m
	if m.Type != wire.TypeCall || m.Method != "/svc/méthod" || m.Timeout != 1500*time.Millisecond || m.ReplyCodec != 'x' ||
		m.Codec != 'j' || string(m.Body) != "[1]" || string(m.Filters) != "\x01\x07" {
		t.Fatalf("call %+v", m)
	}
	if p := reads[1].m; p.Type != wire.TypePush || p.Method != "/p" {
		t.Fatalf("push %+v", p)
	}
	if a := reads[2].m; a.Method != "/abs" || a.Codec != 109 {
		t.Fatalf("absolute-form request %+v", a)
	}
	if e := reads[3].m; e.Codec != 0 || e.Body != nil {
		t.Fatalf("empty request %+v", e)
	}
	if reads[0].seq() == reads[1].seq() || reads[1].seq() == reads[2].seq() {
		t.Fatal("requests share a seq")
	}
}

func TestMediaTypes(t *testing.T) {
	for ct, id := range map[string]byte{
		"application/json":                  'j',
		"Application/JSON; charset=utf-8":   'j',
		"application/protobuf":              'p',
		"application/x-protobuf":            'p',
		"application/x-www-form-urlencoded": 'f',
		"application/xml":                   'x',
		"text/xml":                          'x',
		"text/plain;charset=us-ascii":       's',
		"application/octet-stream":          's',
	} {
		if got, ok := codecOf([]byte(ct)); !ok || got != id {
			t.Errorf("codecOf(%q) = %q, %v; want %q", ct, got, ok, id)
		}
	}
	for id, ct := range map[byte]string{'j': "application/json", 'p': "application/x-protobuf", 'f': "application/x-www-form-urlencoded", 'x': "application/xml", 's': "text/plain; charset=utf-8"} {
		fr := serverOn(t, Format{}, post("/x", "1"), 0)
		reads, _ := fr.readAll()
		fr.answer(reads[0], &wire.Message{Codec: id, Body: []byte("b")})
		if r := parseResponses(t, fr.queued(), "POST")[0]; r.Header.Get("Content-Type") != ct {
			t.Errorf("codec %q: Content-Type %q, want %q", id, r.Header.Get("Content-Type"), ct)
		}
	}
	// No codec, or no body: no Content-Type. An application codec: its id.
	for _, tc := range []struct {
		m         wire.Message
		ct, codec string
	}{
		{wire.Message{Body: []byte("b")}, "", ""},
		{wire.Message{Codec: 'j'}, "", ""},
		{wire.Message{Codec: 'm', Body: []byte("b")}, "application/octet-stream", "109"},
	} {
		fr := serverOn(t, Format{}, post("/x", "1"), 0)
		reads, _ := fr.readAll()
		fr.answer(reads[0], &tc.m)
		r := parseResponses(t, fr.queued(), "POST")[0]
		if r.Header.Get("Content-Type") != tc.ct || r.Header.Get("Rpc-Codec") != tc.codec || r.ContentLength != int64(len(tc.m.Body)) {
			t.Errorf("codec %d body %q: headers %v", tc.m.Codec, tc.m.Body, r.Header)
		}
	}
}

func TestPushAnswered202(t *testing.T) {
	fr := serverOn(t, Format{}, post("/p", "1", "Rpc-Type: push")+post("/p", "2", "Rpc-Type: PUSH"), 0)
	reads, _ := fr.readAll()
	if len(reads) != 2 || reads[0].m.Type != wire.TypePush || reads[1].m.Type != wire.TypePush {
		t.Fatalf("reads %+v", reads)
	}
	if !fr.f.(wire.PushAcker).AcksPushes() {
		t.Fatal("AcksPushes is false")
	}
	fr.answer(reads[0], nil)                                                                         // accepted
	fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: reads[1].m.Seq, Code: 5, Error: "no push"}) // refused
	rs := parseResponses(t, fr.queued(), "POST", "POST")
	if rs[0].StatusCode != 202 || rs[0].body != "" || rs[0].Header.Get("Content-Type") != "" {
		t.Fatalf("accepted push: %d %q %v", rs[0].StatusCode, rs[0].body, rs[0].Header)
	}
	if rs[1].StatusCode != 404 {
		t.Fatalf("refused push: %d", rs[1].StatusCode)
	}
}

func TestGetMethods(t *testing.T) {
	ft := Format{GetMethods: map[string]bool{"/q": true}}
	fr := serverOn(t, ft, "GET /q?a=1&b=x%20y HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\nGET /q HTTP/1.1\r\nHost: x\r\n\r\n", 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 2 {
		t.Fatalf("read %+v then %v", reads, err)
	}
	if m := reads[0].m; m.Method != "/q" || string(m.Body) != "a=1&b=x%20y" || m.Codec != 'f' || m.ReplyCodec != 'j' {
		t.Fatalf("GET call %+v", m)
	}
	if m := reads[1].m; m.Body != nil || m.Codec != 0 {
		t.Fatalf("GET without a query %+v", m)
	}
}

func TestReplyErrors(t *testing.T) {
	fr := serverOn(t, Format{}, post("/x", "1"), 100)
	reads, _ := fr.readAll()
	dst := []byte("queued")
	out, err := fr.f.AppendMessage(dst, &wire.Message{Type: wire.TypeReply, Seq: 999})
	if !errors.Is(err, wire.ErrMalformed) || string(out) != "queued" {
		t.Fatalf("reply to no request: %v, %q", err, out)
	}
	big := &wire.Message{Type: wire.TypeReply, Seq: reads[0].m.Seq, Codec: 's', Body: make([]byte, 101)}
	if out, err = fr.f.AppendMessage(dst, big); !errors.Is(err, wire.ErrTooLarge) || string(out) != "queued" {
		t.Fatalf("reply over the limit: %v, %q", err, out)
	}
	// The rpc layer then sends an error reply instead.
	fr.mustSend(&wire.Message{Type: wire.TypeReply, Seq: reads[0].m.Seq, Code: wire.CodeTooLarge, Error: "reply too large"})
	if r := parseResponses(t, fr.queued(), "POST")[0]; r.StatusCode != 413 {
		t.Fatalf("status %d", r.StatusCode)
	}
	if _, err := fr.f.AppendMessage(nil, &wire.Message{Type: 9}); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("invalid type: %v", err)
	}
	for _, typ := range []wire.Type{wire.TypeCancel, wire.TypeGoAway, wire.TypeGoAwayAck} {
		if out, err := fr.f.AppendMessage(dst, &wire.Message{Type: typ, Seq: 1, Code: 4}); err != nil || string(out) != "queued" {
			t.Fatalf("%v: %q, %v; want nothing written", typ, out, err)
		}
	}
}

func TestErrorMessageIsEscaped(t *testing.T) {
	msg := "quote \" backslash \\ newline \n tab \t nul \x00 bad \xff line sep \u2028 é"
	fr := serverOn(t, Format{}, post("/x", "1"), 0)
	reads, _ := fr.readAll()
	fr.answer(reads[0], &wire.Message{Code: 5, Error: msg})
	r := parseResponses(t, fr.queued(), "POST")[0]
	_, got := errorJSON(t, r.body)
	if want := strings.ReplaceAll(msg, "\xff", "\ufffd"); got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
	if code, m, ok := parseErrorBody([]byte(r.body)); !ok || code != 5 || m != got {
		t.Fatalf("parseErrorBody: %d %q %v", code, m, ok)
	}
}

func TestTooManyOwedResponsesStopReading(t *testing.T) {
	input := strings.Repeat("POST /x HTTP/1.1\r\nHost: x\r\n\r\n", maxPending+5)
	fr := serverOn(t, Format{}, input, 0)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != maxPending || fr.goAways != 1 {
		t.Fatalf("read %d then %v; want %d, a go-away, then io.EOF", len(reads), err, maxPending)
	}
	for i := len(reads) - 1; i >= 0; i-- {
		fr.answer(reads[i], &wire.Message{})
	}
	methods := make([]string, maxPending)
	for i := range methods {
		methods[i] = "POST"
	}
	parseResponses(t, fr.queued(), methods...)
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]wire.SniffResult{
		"":                      wire.NeedMore,
		"P":                     wire.NeedMore,
		"PO":                    wire.NeedMore,
		"POST":                  wire.NeedMore,
		"POST ":                 wire.Yes,
		"POST /math/add HTTP/1": wire.Yes,
		"GET /":                 wire.Yes,
		"OPTIONS * ":            wire.Yes,
		"CONNECT x":             wire.Yes,
		"TRACE ":                wire.Yes,
		"DELETE":                wire.NeedMore,
		"POSTX":                 wire.No,
		"post ":                 wire.No,
		"\x00\x00\x00\x28\x01":  wire.No,
		"HTTP/1.1 200":          wire.No,
		"PRI * HTTP/2.0":        wire.No,
	} {
		if got := (Format{}).Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", in, got, want)
		}
	}
}

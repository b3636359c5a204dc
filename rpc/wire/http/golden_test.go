package http

import (
	"bufio"
	"io"
	nethttp "net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
)

// exampleBlock matches an example of FORMAT.md: its name and its block.
var exampleBlock = regexp.MustCompile("(?s)<!-- golden:([a-z-]+) -->\n```http\n(.*?)```")

// golden returns the example named name in FORMAT.md as the bytes on the
// wire, read as the document says: the lines of its block end with CRLF up
// to the empty line that ends the head, and the body is the rest of the
// block but its last line break.
func golden(t *testing.T, name string) string {
	t.Helper()
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range exampleBlock.FindAllSubmatch(doc, -1) {
		if string(m[1]) == name {
			return onTheWire(t, name, string(m[2]))
		}
	}
	t.Fatalf("FORMAT.md has no example %q", name)
	return ""
}

// onTheWire returns the bytes that the block of the example name stands
// for.
func onTheWire(t *testing.T, name, block string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	for i, l := range lines {
		if l == "" {
			return strings.Join(lines[:i], "\r\n") + "\r\n\r\n" + strings.Join(lines[i+1:], "\n")
		}
	}
	t.Fatalf("example %q has no empty line after its head", name)
	return ""
}

// dateLine matches the Date header, whose value varies.
var dateLine = regexp.MustCompile("\r\nDate: [^\r]*\r\n")

// sameResponse fails the test unless got and want differ at most in
// their Date.
func sameResponse(t *testing.T, got []byte, want string) {
	t.Helper()
	const date = "\r\nDate: *\r\n"
	if g, w := dateLine.ReplaceAllString(string(got), date), dateLine.ReplaceAllString(want, date); g != w {
		t.Fatalf("got\n%q\nwant\n%q", g, w)
	}
}

// serveGolden reads the request in input with a server framer, answers it
// with reply and returns the response.
func serveGolden(t *testing.T, input string, reply *wire.Message) []byte {
	t.Helper()
	fr := serverOn(t, Format{}, input, 0)
	reads, err := fr.readAll()
	if len(reads) != 1 || reads[0].m == nil {
		t.Fatalf("read %+v then %v", reads, err)
	}
	fr.answer(reads[0], reply)
	return fr.queued()
}

func TestGoldenExamples(t *testing.T) {
	t.Run("call", func(t *testing.T) {
		call := &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]"), Timeout: 2 * time.Second}
		call.Meta.Set("author", "liu")
		want := golden(t, "request")
		got, err := Format{}.NewFramer(nil, wire.Options{Client: true}).AppendMessage(nil, call)
		if err != nil || string(got) != want {
			t.Fatalf("request\n%q, %v\nwant\n%q", got, err, want)
		}
		reply := &wire.Message{Codec: 'j', Body: []byte("6")}
		reply.Meta.Set("author", "liu")
		resp := serveGolden(t, want, reply)
		sameResponse(t, resp, golden(t, "response"))

		// The client reads the response back as the reply.
		f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(golden(t, "response"))), wire.Options{Client: true})
		if _, err := f.AppendMessage(nil, call); err != nil {
			t.Fatal(err)
		}
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil || m.Seq != 1 || string(m.Body) != "6" || m.Meta.Get("author") != "liu" {
			t.Fatalf("reply %+v, %v", m, err)
		}
	})
	t.Run("jsonrpc", func(t *testing.T) {
		fr := serverOn(t, Format{JSONRPCPath: "/jsonrpc", JSONRPC: jsonrpc.Format{}}, golden(t, "jsonrpc-call"), 0)
		reads, err := fr.readAll()
		if len(reads) != 1 || reads[0].m == nil || reads[0].m.Method != "/math/add" || string(reads[0].m.Body) != "[1,2,3]" {
			t.Fatalf("read %+v then %v", reads, err)
		}
		fr.answer(reads[0], &wire.Message{Codec: 'j', Body: []byte("6")})
		sameResponse(t, fr.queued(), golden(t, "jsonrpc-response"))
	})
	t.Run("error", func(t *testing.T) {
		resp := serveGolden(t, post("/math/mul", "[1,2,3]"), &wire.Message{Code: 5, Error: "no handler for /math/mul"})
		sameResponse(t, resp, golden(t, "error"))
	})
	t.Run("push", func(t *testing.T) {
		push := &wire.Message{Type: wire.TypePush, Method: "/note/add", Codec: 's', Body: []byte("hi")}
		push.Meta.Set("k", "v")
		want := golden(t, "push")
		got, err := Format{}.NewFramer(nil, wire.Options{Client: true}).AppendMessage(nil, push)
		if err != nil || string(got) != want {
			t.Fatalf("push\n%q, %v\nwant\n%q", got, err, want)
		}
		sameResponse(t, serveGolden(t, want, nil), golden(t, "push-response"))
	})
	t.Run("cancel", func(t *testing.T) {
		cli := Format{}.NewFramer(nil, wire.Options{Client: true})
		for seq := uint32(1); seq <= 3; seq++ {
			if _, err := cli.AppendMessage(nil, &wire.Message{Type: wire.TypeCall, Seq: seq, Method: "/x"}); err != nil {
				t.Fatal(err)
			}
		}
		want := golden(t, "cancel")
		got, err := cli.AppendMessage(nil, &wire.Message{Type: wire.TypeCancel, Seq: 3, Code: wire.CodeCanceled})
		if err != nil || string(got) != want {
			t.Fatalf("cancel\n%q, %v\nwant\n%q", got, err, want)
		}
		// Alone on a connection it names nothing: answered 204 at once.
		fr := serverOn(t, Format{}, want, 0)
		if reads, err := fr.readAll(); len(reads) != 0 || err != io.EOF {
			t.Fatalf("read %+v then %v", reads, err)
		}
		sameResponse(t, fr.queued(), golden(t, "no-content"))
	})
	t.Run("goaway", func(t *testing.T) {
		want := golden(t, "goaway")
		got, err := Format{}.NewFramer(nil, wire.Options{Client: true}).AppendMessage(nil, &wire.Message{Type: wire.TypeGoAway})
		if err != nil || string(got) != want {
			t.Fatalf("go-away\n%q, %v\nwant\n%q", got, err, want)
		}
	})
}

// TestExamplesContentLength reads every example of FORMAT.md, as the
// document says to, with net/http: each must be one whole HTTP message
// whose Content-Length is the size of its body, so that a client written
// from the document alone frames its messages right.
func TestExamplesContentLength(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := exampleBlock.FindAllSubmatch(doc, -1)
	if len(examples) < 10 {
		t.Fatalf("FORMAT.md has %d examples", len(examples))
	}
	for _, ex := range examples {
		name := string(ex[1])
		t.Run(name, func(t *testing.T) {
			msg := onTheWire(t, name, string(ex[2]))
			br := bufio.NewReader(strings.NewReader(msg))
			var header nethttp.Header
			var body io.ReadCloser
			if strings.HasPrefix(msg, "HTTP/") {
				resp, err := nethttp.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("%v\n%q", err, msg)
				}
				header, body = resp.Header, resp.Body
			} else {
				req, err := nethttp.ReadRequest(br)
				if err != nil {
					t.Fatalf("%v\n%q", err, msg)
				}
				header, body = req.Header, req.Body
			}
			b, err := io.ReadAll(body)
			if err != nil {
				t.Fatalf("body: %v\n%q", err, msg)
			}
			if cl := header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(b)) {
				t.Errorf("Content-Length %s, body %d bytes %q", cl, len(b), b)
			}
			if rest, _ := io.ReadAll(br); len(rest) > 0 {
				t.Errorf("Content-Length %s, but %d bytes follow the body: %q", header.Get("Content-Length"), len(rest), rest)
			}
		})
	}
}

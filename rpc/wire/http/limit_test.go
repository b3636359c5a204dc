package http

import (
	"bufio"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestHugeBodyIsNeitherReadNorAllocated announces 1 GiB bodies, by
// Content-Length and by a chunk size, and checks that the framer answers
// 413 from the head alone: it reads a few KiB of the stream and allocates
// no more.
func TestHugeBodyIsNeitherReadNorAllocated(t *testing.T) {
	heads := map[string]string{
		"content-length": "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n",
		"chunked":        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n40000000\r\n",
		"to a client":    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n",
	}
	for name, head := range heads {
		t.Run(name, func(t *testing.T) {
			src := &countingReader{r: io.MultiReader(strings.NewReader(head), zeros{})}
			fr := newFake(t, Format{}, src, wire.Options{})
			if name == "to a client" {
				if _, err := fr.f.AppendMessage(nil, call(1)); err != nil {
					t.Fatal(err)
				}
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var m wire.Message
			err := fr.f.ReadMessage(&m)
			runtime.ReadMemStats(&after)
			var me *wire.MessageError
			if !errors.As(err, &me) || !errors.Is(err, wire.ErrTooLarge) || !me.Close {
				t.Fatalf("ReadMessage: %v; want a MessageError wrapping ErrTooLarge, with Close", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<10 {
				t.Fatalf("refusing the body allocated %d bytes", alloc)
			}
			if src.n > 64<<10 {
				t.Fatalf("refusing the body read %d bytes of the stream", src.n)
			}
			// The stream is out of step: the framer reads no more messages.
			if err := fr.f.ReadMessage(&m); err != nil || m.Type != wire.TypeGoAway {
				t.Fatalf("after the refusal: %+v, %v; want a go-away", m, err)
			}
			if name == "to a client" {
				return
			}
			fr.answer(got{me: me}, nil)
			r := parseResponses(t, fr.queued(), "POST")[0]
			if r.StatusCode != 413 || !r.Close {
				t.Fatalf("status %d close %v", r.StatusCode, r.Close)
			}
		})
	}
}

// TestMetadataCapsRefuseRequests sends requests whose Rpc-Meta-* headers
// are at and over the caps on metadata: those over are answered 431 (rpc
// code 7) and the connection goes on, the stream in step.
func TestMetadataCapsRefuseRequests(t *testing.T) {
	caps := wire.Options{MaxMetadataPairs: 2, MaxMetadataBytes: 16}
	input := post("/a", "1", "Rpc-Meta-A: 1", "Rpc-Meta-B: 2") + // at the caps
		post("/b", "2", "Rpc-Meta-A: 1", "Rpc-Meta-B: 2", "Rpc-Meta-C: 3") + // one pair over
		post("/c", "3", "Rpc-Meta-K: "+strings.Repeat("v", 16)) + // one byte over
		post("/d", "4")
	fr := newFake(t, Format{}, strings.NewReader(input), caps)
	reads, err := fr.readAll()
	if err != io.EOF || len(reads) != 4 {
		t.Fatalf("read %+v then %v, want 4 results then EOF", reads, err)
	}
	if m := reads[0].m; m == nil || m.Meta.Len() != 2 {
		t.Fatalf("the request at the caps: %+v", reads[0])
	}
	for _, g := range reads[1:3] {
		if g.me == nil || !errors.Is(g.me, wire.ErrTooLarge) || g.me.Code != wire.CodeTooLarge || g.me.Close {
			t.Fatalf("a request over the caps: %+v, want a MessageError with CodeTooLarge, not closing", g)
		}
	}
	if m := reads[3].m; m == nil || m.Method != "/d" {
		t.Fatalf("the request after: %+v", reads[3])
	}
	for _, g := range reads {
		fr.answer(g, &wire.Message{})
	}
	for i, r := range parseResponses(t, fr.queued(), "POST", "POST", "POST", "POST") {
		want := 200
		if i == 1 || i == 2 {
			want = 431
			if code, _ := errorJSON(t, r.body); code != wire.CodeTooLarge {
				t.Errorf("response %d: rpc code %d, want %d", i, code, wire.CodeTooLarge)
			}
		}
		if r.StatusCode != want || r.Close {
			t.Errorf("response %d: status %d close %v, want %d, kept open", i, r.StatusCode, r.Close, want)
		}
	}
}

// TestMetadataCapsRefuseResponses reads responses at and over the caps on
// metadata: the call of the one over fails with CodeTooLarge, and the next
// response is read.
func TestMetadataCapsRefuseResponses(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRpc-Meta-A: 1\r\nRpc-Meta-B: 2\r\nContent-Length: 1\r\n\r\n1"
	over := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRpc-Meta-A: 1\r\nRpc-Meta-B: 2\r\nRpc-Meta-C: 3\r\nContent-Length: 1\r\n\r\n2"
	f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(over+ok)), wire.Options{Client: true, MaxMetadataPairs: 2})
	for _, seq := range []uint32{1, 2} {
		if _, err := f.AppendMessage(nil, call(seq)); err != nil {
			t.Fatal(err)
		}
	}
	var m wire.Message
	me := wiretest.AsMessageError(t, f.ReadMessage(&m), wire.ErrTooLarge)
	if me.Type != wire.TypeReply || me.Seq != 1 || me.Code != wire.CodeTooLarge || me.Close {
		t.Fatalf("MessageError %+v, want REPLY seq 1 with CodeTooLarge, not closing", me)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != nil || m.Seq != 2 || string(m.Body) != "1" || m.Meta.Len() != 2 {
		t.Fatalf("the response after: %+v, %v", m, err)
	}
	m.Reset()
}

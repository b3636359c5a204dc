package http

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
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

package http

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// benchCall is a call with a 581-byte JSON body, one metadata pair and a
// deadline, as a dmicro client sends it.
func benchCall() *wire.Message {
	m := &wire.Message{Type: wire.TypeCall, Seq: 12345, Method: "/bench/echo", Codec: 'j', Timeout: 5 * time.Second}
	m.Body = []byte(`{"data":"` + strings.Repeat("x", 581-11) + `"}`)
	m.Meta.Set("trace-id", "4bf92f3577b34da6")
	return m
}

// benchFormats are the formats compared side by side.
var benchFormats = []struct {
	name string
	f    wire.Format
}{
	{"http", Format{}},
	{"raw", raw.Format{}},
}

// BenchmarkServe reads a call with a 581-byte JSON body and writes its
// reply, the same body, as a server does.
func BenchmarkServe(b *testing.B) {
	for _, bf := range benchFormats {
		b.Run(bf.name, func(b *testing.B) {
			req, err := bf.f.NewFramer(nil, wire.Options{Client: true}).AppendMessage(nil, benchCall())
			if err != nil {
				b.Fatal(err)
			}
			f := bf.f.NewFramer(bufio.NewReader(wiretest.Cycle(req)), wire.Options{})
			reply := &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: benchCall().Body}
			wiretest.BenchReadReply(b, f, reply, len(req))
		})
	}
}

// BenchmarkCall writes the same call and reads its reply, as a client
// does.
func BenchmarkCall(b *testing.B) {
	for _, bf := range benchFormats {
		b.Run(bf.name, func(b *testing.B) {
			call := benchCall()
			srv := bf.f.NewFramer(bufio.NewReader(strings.NewReader("")), wire.Options{})
			var resp []byte
			if bf.name == "http" {
				fr := serverOn(b, Format{}, mustAppend(b, Format{}, call), 0)
				reads, _ := fr.readAll()
				fr.answer(reads[0], &wire.Message{Codec: 'j', Body: call.Body})
				resp = fr.queued()
			} else {
				var err error
				if resp, err = srv.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: call.Seq, Codec: 'j', Body: call.Body}); err != nil {
					b.Fatal(err)
				}
			}
			f := bf.f.NewFramer(bufio.NewReader(wiretest.Cycle(resp)), wire.Options{Client: true})
			buf := make([]byte, 0, 4096)
			var m wire.Message
			b.SetBytes(int64(len(resp)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = f.AppendMessage(buf[:0], call); err != nil {
					b.Fatal(err)
				}
				m.Reset()
				if err := f.ReadMessage(&m); err != nil || m.Seq != call.Seq {
					b.Fatal(m.Seq, err)
				}
			}
			m.Reset()
		})
	}
}

// mustAppend returns the bytes of m in format f, written by a client.
func mustAppend(tb testing.TB, f wire.Format, m *wire.Message) string {
	tb.Helper()
	out, err := f.NewFramer(nil, wire.Options{Client: true}).AppendMessage(nil, m)
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}

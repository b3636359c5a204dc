package jsonrpc

import (
	"bufio"
	"strconv"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// benchParams returns a JSON array of exactly 581 bytes.
func benchParams() string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; b.Len() < 560; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(strconv.Itoa(i * 7919))
	}
	b.WriteString(`,"`)
	b.WriteString(strings.Repeat("x", 581-b.Len()-2))
	b.WriteString(`"]`)
	return b.String()
}

// benchRequest is a call of "/math/add" with 581 bytes of params.
func benchRequest() string {
	return `{"jsonrpc":"2.0","method":"math/add","params":` + benchParams() + `,"id":12345}` + "\n"
}

func TestBenchParamsSize(t *testing.T) {
	if p := benchParams(); len(p) != 581 || !jsonValid([]byte(p)) {
		t.Fatalf("params are %d bytes: %s", len(p), p)
	}
}

// BenchmarkReadReply reads a call and writes its reply, the server's work
// for one request.
func BenchmarkReadReply(b *testing.B) {
	req := benchRequest()
	f := Format{}.NewFramer(bufio.NewReader(wiretest.Cycle([]byte(req))), wire.Options{})
	reply := &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: []byte("4242")}
	wiretest.BenchReadReply(b, f, reply, len(req))
}

// BenchmarkReadMessage reads the call alone.
func BenchmarkReadMessage(b *testing.B) {
	req := benchRequest()
	f := Format{}.NewFramer(bufio.NewReader(wiretest.Cycle([]byte(req))), wire.Options{})
	x := f.(*framer).x
	var m wire.Message
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		if err := f.ReadMessage(&m); err != nil {
			b.Fatal(err)
		}
		// Forget the call, as a reply would, without timing the reply.
		x.mu.Lock()
		delete(x.calls, m.Seq)
		x.mu.Unlock()
	}
	m.Reset()
}

// BenchmarkAppendCall writes the call, the client's work for one request.
func BenchmarkAppendCall(b *testing.B) {
	f := Format{}.NewFramer(nil, wire.Options{})
	call := &wire.Message{Type: wire.TypeCall, Seq: 12345, Method: "/math/add", Codec: 'j', Body: []byte(benchParams())}
	out, _ := f.AppendMessage(nil, call)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = f.AppendMessage(out[:0], call); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatch reads a batch of ten such calls and writes its response.
func BenchmarkBatch(b *testing.B) {
	one := strings.TrimSuffix(benchRequest(), "\n")
	req := "[" + strings.Repeat(one+",", 9) + one + "]\n"
	f := Format{}.NewFramer(bufio.NewReader(wiretest.Cycle([]byte(req))), wire.Options{})
	reply := &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: []byte("4242")}
	var m wire.Message
	out := make([]byte, 0, 4096)
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		out = out[:0]
		for range 10 {
			m.Reset()
			if err := f.ReadMessage(&m); err != nil {
				b.Fatal(err)
			}
			reply.Seq = m.Seq
			var err error
			if out, err = f.AppendMessage(out, reply); err != nil {
				b.Fatal(err)
			}
		}
	}
	m.Reset()
}

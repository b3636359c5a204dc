package raw

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// benchCall is a call with a 581-byte body and one metadata pair.
func benchCall() *wire.Message {
	m := msg(wire.TypeCall, 12345, "/bench/echo", "", "trace-id", "4bf92f3577b34da6")
	m.Codec, m.Timeout = 'p', 5*time.Second
	m.Body = bytes.Repeat([]byte("0123456789abcdef"), 37)[:581]
	return m
}

func BenchmarkAppendMessage(b *testing.B) {
	m := benchCall()
	f := Format{}.NewFramer(nil, wire.Options{})
	buf := make([]byte, 0, 4096)
	frame, _ := f.AppendMessage(nil, m)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = f.AppendMessage(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadMessage(b *testing.B) {
	frame := encode(b, 0, benchCall())
	f := Format{}.NewFramer(bufio.NewReader(&cycleReader{data: frame}), wire.Options{})
	var m wire.Message
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		if err := f.ReadMessage(&m); err != nil {
			b.Fatal(err)
		}
	}
	m.Reset()
}

package pb

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// benchCall is a call with a 581-byte body and one metadata pair, the
// message of the raw package's benchmarks.
func benchCall() *wire.Message {
	m := msg(wire.TypeCall, 12345, "/bench/echo", "", "trace-id", "4bf92f3577b34da6")
	m.Codec, m.Timeout = 'p', 5*time.Second
	m.Body = bytes.Repeat([]byte("0123456789abcdef"), 37)[:581]
	return m
}

func BenchmarkAppendMessage(b *testing.B) {
	benchAppend(b, Format{}, benchCall())
}

func BenchmarkReadMessage(b *testing.B) {
	benchRead(b, Format{}, benchCall())
}

// BenchmarkVsRaw runs the same message through this format and the raw
// one, side by side, so that the cost of protobuf can be quoted as a ratio.
func BenchmarkVsRaw(b *testing.B) {
	m := benchCall()
	for _, format := range []wire.Format{raw.Format{}, Format{}} {
		b.Run("format="+format.Name()+"/op=append", func(b *testing.B) {
			benchAppend(b, format, m)
		})
		b.Run("format="+format.Name()+"/op=read", func(b *testing.B) {
			benchRead(b, format, m)
		})
	}
}

// benchAppend measures AppendMessage of m in format.
func benchAppend(b *testing.B, format wire.Format, m *wire.Message) {
	f := format.NewFramer(nil, wire.Options{})
	frame, err := f.AppendMessage(nil, m)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = f.AppendMessage(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRead measures ReadMessage of m's frame in format.
func benchRead(b *testing.B, format wire.Format, m *wire.Message) {
	frame, err := format.NewFramer(nil, wire.Options{}).AppendMessage(nil, m)
	if err != nil {
		b.Fatal(err)
	}
	f := format.NewFramer(bufio.NewReader(&cycleReader{data: frame}), wire.Options{})
	var got wire.Message
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		got.Reset()
		if err := f.ReadMessage(&got); err != nil {
			b.Fatal(err)
		}
	}
	got.Reset()
}

package wiretest

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// BenchBodyLen is the size of the body of [BenchCall].
const BenchBodyLen = 581

// BenchCall returns the message of the formats' benchmarks: a call with a
// 581-byte body in a binary codec and one metadata pair.
func BenchCall() *wire.Message {
	m := NewMessage(wire.TypeCall, 12345, "/bench/echo", "", "trace-id", "4bf92f3577b34da6")
	m.Codec, m.Timeout = 'p', 5*time.Second
	m.Body = bytes.Repeat([]byte("0123456789abcdef"), 37)[:BenchBodyLen]
	return m
}

// BenchAppend measures AppendMessage of m in format f.
func BenchAppend(b *testing.B, f wire.Format, m *wire.Message) {
	w := f.NewFramer(nil, wire.Options{})
	frame, err := w.AppendMessage(nil, m)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = w.AppendMessage(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchRead measures ReadMessage of m's frame in format f.
func BenchRead(b *testing.B, f wire.Format, m *wire.Message) {
	frame := Encode(b, f, 0, m)
	r := f.NewFramer(bufio.NewReader(Cycle(frame)), wire.Options{})
	var got wire.Message
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		got.Reset()
		if err := r.ReadMessage(&got); err != nil {
			b.Fatal(err)
		}
	}
	got.Reset()
}

// BenchFormats runs BenchAppend and BenchRead of m in each format, side
// by side as sub-benchmarks format=name/op=append and op=read, so that
// the cost of one format can be quoted as a ratio of another's.
func BenchFormats(b *testing.B, m *wire.Message, formats ...wire.Format) {
	for _, f := range formats {
		b.Run("format="+f.Name()+"/op=append", func(b *testing.B) { BenchAppend(b, f, m) })
		b.Run("format="+f.Name()+"/op=read", func(b *testing.B) { BenchRead(b, f, m) })
	}
}

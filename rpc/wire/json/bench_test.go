package json

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// benchBodyLen is the size of the benchmarks' bodies.
const benchBodyLen = 581

// benchCall is a call with a 581-byte JSON body in the JSON codec, which
// the frame embeds, and one metadata pair.
func benchCall() *wire.Message {
	m := msg(wire.TypeCall, 12345, "/bench/echo", "", "trace-id", "4bf92f3577b34da6")
	m.Codec, m.Timeout = codecJSON, 5*time.Second
	head, tail := `{"id":12345,"tags":["a","b"],"text":"`, `"}`
	text := strings.Repeat("0123456789abcdef", 37)[:benchBodyLen-len(head)-len(tail)]
	m.Body = []byte(head + text + tail)
	return m
}

// benchBinaryCall is benchCall with a 581-byte body in another codec,
// which the frame carries as base64.
func benchBinaryCall() *wire.Message {
	m := benchCall()
	m.Codec = 'p'
	m.Body = bytes.Repeat([]byte("0123456789abcdef"), 37)[:benchBodyLen]
	return m
}

func BenchmarkAppendMessage(b *testing.B) {
	benchAppend(b, Format{}, benchCall())
}

func BenchmarkAppendMessageBinary(b *testing.B) {
	benchAppend(b, Format{}, benchBinaryCall())
}

func BenchmarkReadMessage(b *testing.B) {
	benchRead(b, Format{}, benchCall())
}

func BenchmarkReadMessageBinary(b *testing.B) {
	benchRead(b, Format{}, benchBinaryCall())
}

// BenchmarkVsRaw runs the same messages through this format and the raw
// one, side by side, so that the cost of JSON can be quoted as a ratio.
func BenchmarkVsRaw(b *testing.B) {
	for _, body := range []struct {
		name string
		m    *wire.Message
	}{{"body=json", benchCall()}, {"body=binary", benchBinaryCall()}} {
		for _, format := range []wire.Format{raw.Format{}, Format{}} {
			b.Run(body.name+"/format="+format.Name()+"/op=append", func(b *testing.B) {
				benchAppend(b, format, body.m)
			})
			b.Run(body.name+"/format="+format.Name()+"/op=read", func(b *testing.B) {
				benchRead(b, format, body.m)
			})
		}
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

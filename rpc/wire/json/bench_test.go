package json

import (
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// benchCall is wiretest.BenchCall with a JSON body of the same size in the
// JSON codec, which the frame embeds.
func benchCall() *wire.Message {
	m := wiretest.BenchCall()
	m.Codec = codecJSON
	head, tail := `{"id":12345,"tags":["a","b"],"text":"`, `"}`
	text := strings.Repeat("0123456789abcdef", 37)[:wiretest.BenchBodyLen-len(head)-len(tail)]
	m.Body = []byte(head + text + tail)
	return m
}

func BenchmarkAppendMessage(b *testing.B) {
	wiretest.BenchAppend(b, Format{}, benchCall())
}

// BenchmarkAppendMessageBinary writes a body in another codec, which the
// frame carries as base64.
func BenchmarkAppendMessageBinary(b *testing.B) {
	wiretest.BenchAppend(b, Format{}, wiretest.BenchCall())
}

func BenchmarkReadMessage(b *testing.B) {
	wiretest.BenchRead(b, Format{}, benchCall())
}

func BenchmarkReadMessageBinary(b *testing.B) {
	wiretest.BenchRead(b, Format{}, wiretest.BenchCall())
}

// BenchmarkVsRaw runs the same messages through this format and the raw
// one, side by side, so that the cost of JSON can be quoted as a ratio.
func BenchmarkVsRaw(b *testing.B) {
	b.Run("body=json", func(b *testing.B) { wiretest.BenchFormats(b, benchCall(), raw.Format{}, Format{}) })
	b.Run("body=binary", func(b *testing.B) { wiretest.BenchFormats(b, wiretest.BenchCall(), raw.Format{}, Format{}) })
}

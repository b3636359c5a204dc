package pb

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

func BenchmarkAppendMessage(b *testing.B) {
	wiretest.BenchAppend(b, Format{}, wiretest.BenchCall())
}

func BenchmarkReadMessage(b *testing.B) {
	wiretest.BenchRead(b, Format{}, wiretest.BenchCall())
}

// BenchmarkVsRaw runs the same message through this format and the raw
// one, side by side, so that the cost of protobuf can be quoted as a ratio.
func BenchmarkVsRaw(b *testing.B) {
	wiretest.BenchFormats(b, wiretest.BenchCall(), raw.Format{}, Format{})
}

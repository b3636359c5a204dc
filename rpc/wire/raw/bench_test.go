package raw

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

func BenchmarkAppendMessage(b *testing.B) {
	wiretest.BenchAppend(b, Format{}, wiretest.BenchCall())
}

func BenchmarkReadMessage(b *testing.B) {
	wiretest.BenchRead(b, Format{}, wiretest.BenchCall())
}

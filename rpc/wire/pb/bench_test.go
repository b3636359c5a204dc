package pb

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// BenchmarkVsRaw writes and reads wiretest.BenchCall in this format and
// the raw one, side by side, so that the cost of protobuf can be quoted as
// a ratio.
func BenchmarkVsRaw(b *testing.B) {
	wiretest.BenchFormats(b, wiretest.BenchCall(), raw.Format{}, Format{})
}

package raw

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// FuzzReadMessage reads arbitrary bytes as wiretest.FuzzReads does. Its own
// seeds hold unknown flags, a huge metadata count and a status with
// filters.
func FuzzReadMessage(f *testing.F) {
	wiretest.FuzzReads(f, Format{}, options,
		rawFrame(hdr(wire.TypeCall, 0xff, 0, 1), uv(0)),
		rawFrame(hdr(wire.TypeCall, flagMeta, 0, 1), uv(0), uv(1<<40)),
		rawFrame(hdr(wire.TypeReply, flagStatus|flagFilters, 0, 1), uv(0), sv(1), str("e"), []byte{1, 9}),
		[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
}

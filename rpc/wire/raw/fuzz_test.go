package raw

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// FuzzReadMessage feeds arbitrary bytes to ReadMessage until it fails; see
// wiretest.FuzzRead for what it must and must not do.
func FuzzReadMessage(f *testing.F) {
	wiretest.AddSeeds(f, Format{})
	f.Add(rawFrame(hdr(wire.TypeCall, 0xff, 0, 1), uv(0)))
	f.Add(rawFrame(hdr(wire.TypeCall, flagMeta, 0, 1), uv(0), uv(1<<40)))
	f.Add(rawFrame(hdr(wire.TypeReply, flagStatus|flagFilters, 0, 1), uv(0), sv(1), str("e"), []byte{1, 9}))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		wiretest.FuzzRead(t, Format{}, options, data)
	})
}

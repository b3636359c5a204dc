package pb

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// FuzzReadMessage feeds arbitrary bytes to ReadMessage until it fails; see
// wiretest.FuzzRead for what it must and must not do. Every frame it
// writes again must start with the version field.
func FuzzReadMessage(f *testing.F) {
	wiretest.AddSeeds(f, Format{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x08, 0x01, 0x10, 0x01, 0x18, 0x01})
	f.Add(rawFrame(vf(fieldSeq, 5), vf(fieldType, 1), vf(fieldVersion, 1), pair("a", "b"), vf(20, 1), bf(fieldFilters, "\x00")))
	f.Add(rawFrame(hdr(wire.TypeReply, 1), vf(fieldCode, 1<<32), bf(fieldError, "e"), bf(fieldMeta, "\x0a\x09")))
	f.Add(rawFrame(hdr(wire.TypePush, 0), protowire.AppendTag(nil, 30, protowire.StartGroupType), vf(1, 1),
		protowire.AppendTag(nil, 30, protowire.EndGroupType), bf(fieldBody, "x"), vf(fieldTimeout, 1<<63)))
	f.Add(rawFrame(slices.Concat(hdr(wire.TypeCall, 9), []byte{0x80})))
	f.Fuzz(func(t *testing.T, data []byte) {
		wiretest.FuzzRead(t, Format{}, options, data)
	})
}

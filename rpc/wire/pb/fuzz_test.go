package pb

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// FuzzReadMessage reads arbitrary bytes as wiretest.FuzzReads does, which
// checks with versionFirst how every frame written again starts. Its own
// seeds hold fields out of order, unknown fields and groups, and values
// too large for their field.
func FuzzReadMessage(f *testing.F) {
	group := slices.Concat(protowire.AppendTag(nil, 30, protowire.StartGroupType), vf(1, 1), protowire.AppendTag(nil, 30, protowire.EndGroupType))
	wiretest.FuzzReads(f, Format{}, options,
		[]byte{0xff, 0xff, 0xff, 0xff, 0x08, 0x01, 0x10, 0x01, 0x18, 0x01},
		rawFrame(vf(fieldSeq, 5), vf(fieldType, 1), vf(fieldVersion, 1), pair("a", "b"), vf(20, 1), bf(fieldFilters, "\x00")),
		rawFrame(hdr(wire.TypeReply, 1), vf(fieldCode, 1<<32), bf(fieldError, "e"), bf(fieldMeta, "\x0a\x09")),
		rawFrame(hdr(wire.TypePush, 0), group, bf(fieldBody, "x"), vf(fieldTimeout, 1<<63)),
		rawFrame(hdr(wire.TypeCall, 9), []byte{0x80}))
}

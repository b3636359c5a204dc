package raw

import (
	"slices"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestGolden checks the worked examples of FORMAT.md against the encoder
// and the decoder: the annotated dump and the one-line dump of each must be
// exactly the frame AppendMessage writes, and must read back.
func TestGolden(t *testing.T) {
	h := func(s string) []byte { return wiretest.Hex(t, s) }
	wiretest.CheckExamples(t, Format{}, options, "FORMAT.md", map[string][]byte{
		// length, version, type, flags, codec, seq, method
		"call": slices.Concat(h("00000028 01 01 05 6a 00000001 09"), []byte("/math/add"),
			h("80897a 01 06"), []byte("author"), h("03"), []byte("liu"), // timeout, one pair
			[]byte("[1,2,3]")),
		"reply": h("0000000a 01 02 00 6a 00000001 00 36"),
	}, wiretest.HexDumps)
}

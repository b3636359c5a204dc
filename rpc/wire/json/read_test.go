package json

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestScratchIsBounded checks that a framer does not keep the buffers of a
// large frame for the next ones.
func TestScratchIsBounded(t *testing.T) {
	big := wiretest.NewMessage(wire.TypeCall, 1, "/m", "", "k", strings.Repeat("v", 2*maxRetained))
	big.Codec, big.Body = codecJSON, []byte(`"`+strings.Repeat("b", 2*maxRetained)+`"`)
	f := wiretest.NewReader(Format{}, bytes.NewReader(wiretest.Encode(t, Format{}, 1<<20, big)), 1<<20)
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil {
		t.Fatal(err)
	}
	m.Release()
	fr := f.(*framer)
	if c := cap(fr.obj.Body) + cap(fr.obj.Meta) + cap(fr.text) + cap(fr.scratch); c > 4*maxRetained {
		t.Fatalf("framer keeps %d bytes of scratch after a large frame", c)
	}
}

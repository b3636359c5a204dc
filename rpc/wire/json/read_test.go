package json

import (
	"bufio"
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
	// The metadata is over the default cap on its bytes: raise it.
	opts := wire.Options{MaxMessageSize: 1 << 20, MaxMetadataBytes: 1 << 20}
	f := Format{}.NewFramer(bufio.NewReader(bytes.NewReader(wiretest.Encode(t, Format{}, 1<<20, big))), opts)
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

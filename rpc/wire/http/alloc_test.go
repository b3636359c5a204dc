package http

import (
	"bufio"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestSteadyStateAllocations checks that reading a call and writing its
// reply allocate nothing but the strings of the call's metadata, which
// cost one allocation for all pairs, as in the raw format.
func TestSteadyStateAllocations(t *testing.T) {
	withMeta := benchCall()
	plain := benchCall()
	plain.Meta = wire.Metadata{}
	for _, tc := range []struct {
		name   string
		call   *wire.Message
		allocs float64
	}{
		{"call", plain, 0},
		{"call with metadata", withMeta, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mustAppend(t, Format{}, tc.call)
			f := Format{}.NewFramer(bufio.NewReader(wiretest.Cycle([]byte(req))), wire.Options{})
			reply := &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: tc.call.Body}
			reply.Meta.Set("author", "liu")
			if allocs := wiretest.ReadReplyAllocs(t, f, reply); allocs != tc.allocs {
				t.Fatalf("a call and its reply allocated %v times, want %v", allocs, tc.allocs)
			}
		})
	}
}

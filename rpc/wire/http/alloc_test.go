package http

import (
	"bufio"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// TestSteadyStateAllocations checks that reading a call and writing its
// reply allocate nothing but the strings of the call's metadata, which
// cost one allocation for all pairs, as in the raw format.
func TestSteadyStateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
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
			f := Format{}.NewFramer(bufio.NewReader(&cycleReader{data: []byte(req)}), wire.Options{})
			reply := &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: tc.call.Body}
			reply.Meta.Set("author", "liu")
			buf := make([]byte, 0, 4096)
			var m wire.Message
			allocs := testing.AllocsPerRun(1000, func() {
				m.Reset()
				if err := f.ReadMessage(&m); err != nil {
					t.Fatal(err)
				}
				reply.Seq = m.Seq
				var err error
				if buf, err = f.AppendMessage(buf[:0], reply); err != nil {
					t.Fatal(err)
				}
			})
			m.Reset()
			if allocs != tc.allocs {
				t.Fatalf("a call and its reply allocated %v times, want %v", allocs, tc.allocs)
			}
		})
	}
}

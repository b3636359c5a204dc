package json

import (
	"bufio"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestAppendDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("encoding/json.Valid takes its scanner from a sync.Pool, which drops items at random under the race detector")
	}
	full := msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu", "trace", "a\"b\\c\x01\xff")
	full.Timeout, full.Codec, full.Filters = time.Second, codecJSON, []byte{1, 2}
	tests := []struct {
		name string
		m    *wire.Message
	}{
		{"call", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: codecJSON, Body: []byte("[1,2,3]")}},
		{"call with every part", full},
		{"binary body", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/m", Codec: 'p', Body: []byte{0, 1, 2, 3, 4}}},
		{"error reply", &wire.Message{Type: wire.TypeReply, Seq: 1, Code: 5, Error: "not found", Meta: full.Meta}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Format{}.NewFramer(nil, wire.Options{})
			buf := make([]byte, 0, 4096)
			allocs := testing.AllocsPerRun(1000, func() {
				var err error
				if buf, err = f.AppendMessage(buf[:0], tt.m); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("AppendMessage allocated %v times per run", allocs)
			}
		})
	}
}

// TestReadAllocations pins the allocations of a read, so that a change
// that adds some is noticed. encoding/json costs most of them: its decoder
// state and the stack of its syntax checker, which grows with the nesting.
func TestReadAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	withMeta := msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu", "trace", "abc")
	withMeta.Timeout, withMeta.Codec, withMeta.Filters = time.Second, codecJSON, []byte{1}
	tests := []struct {
		name   string
		m      *wire.Message
		allocs float64
	}{
		{"call", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: codecJSON, Body: []byte("[1,2,3]"), Timeout: time.Second}, 5},
		{"call, binary body", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'p', Body: []byte{0, 1, 2, 3, 4}}, 4},
		{"reply", &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: codecJSON, Body: []byte("6")}, 4},
		// Metadata costs one string for all its pairs.
		{"call with metadata", withMeta, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &cycleReader{data: encode(t, 0, tt.m)}
			f := Format{}.NewFramer(bufio.NewReader(src), wire.Options{})
			var m wire.Message
			allocs := testing.AllocsPerRun(1000, func() {
				m.Reset()
				if err := f.ReadMessage(&m); err != nil {
					t.Fatal(err)
				}
				m.Release()
			})
			if allocs > tt.allocs {
				t.Fatalf("ReadMessage allocated %v times per run, want at most %v", allocs, tt.allocs)
			}
			t.Logf("%v allocations per read", allocs)
		})
	}
}

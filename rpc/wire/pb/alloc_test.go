package pb

import (
	"bufio"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestAppendDoesNotAllocate(t *testing.T) {
	full := msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu", "trace", "abc", "", "")
	full.Timeout, full.Codec, full.Filters = time.Second, 'j', []byte{1, 2}
	tests := []struct {
		name string
		m    *wire.Message
	}{
		{"call", msg(wire.TypeCall, 1, "/math/add", "[1,2,3]")},
		{"call with every part", full},
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

func TestReadDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	withMeta := msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu", "trace", "abc")
	withMeta.Timeout, withMeta.Filters = time.Second, []byte{1}
	errorReply := &wire.Message{Type: wire.TypeReply, Seq: 1, Code: 5, Error: "not found", Meta: withMeta.Meta}
	tests := []struct {
		name   string
		m      *wire.Message
		allocs float64
	}{
		{"call", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]"), Timeout: time.Second, Filters: []byte{1}}, 0},
		{"reply", &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}, 0},
		// Metadata and the status message cost one string for all of them.
		{"call with metadata", withMeta, 1},
		{"error reply with metadata", errorReply, 1},
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
			if allocs != tt.allocs {
				t.Fatalf("ReadMessage allocated %v times per run, want %v", allocs, tt.allocs)
			}
		})
	}
}

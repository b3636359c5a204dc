package wiretest

import (
	"bufio"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// testAppendAllocations checks that the writer allocates nothing.
func (s *suite) testAppendAllocations(t *testing.T) {
	if raceEnabled && s.o.PooledWriter {
		t.Skip("the writer takes scratch space from a sync.Pool, which drops items at random under the race detector")
	}
	full := NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu", "trace", "a\"b\\c\x01\xff", "", "")
	full.Timeout, full.Codec, full.Filters = time.Second, 'j', []byte{1, 2}
	tests := []Case{
		{"call", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]")}},
		{"call with every part", full},
		{"binary body", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/m", Codec: 'p', Body: []byte{0, 1, 2, 3, 4}}},
		{"error reply", &wire.Message{Type: wire.TypeReply, Seq: 1, Code: 5, Error: "not found", Meta: full.Meta}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			w := s.f.NewFramer(nil, wire.Options{})
			buf := make([]byte, 0, 4096)
			allocs := testing.AllocsPerRun(1000, func() {
				var err error
				if buf, err = w.AppendMessage(buf[:0], tt.M); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("AppendMessage allocated %v times per run", allocs)
			}
		})
	}
}

// allocMessages returns the messages whose reads Options.ReadAllocs pins.
func allocMessages() []Case {
	withMeta := NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu", "trace", "abc")
	withMeta.Timeout, withMeta.Codec, withMeta.Filters = time.Second, 'j', []byte{1}
	return []Case{
		{"call", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]"), Timeout: time.Second, Filters: []byte{1}}},
		{"call, binary body", &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'p', Body: []byte{0, 1, 2, 3, 4}}},
		{"reply", &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}},
		{"call with metadata", withMeta},
		{"error reply with metadata", &wire.Message{Type: wire.TypeReply, Seq: 1, Code: 5, Error: "not found", Meta: withMeta.Meta}},
	}
}

// testReadAllocations pins the allocations of a read from a pooled frame
// buffer, so that a change that adds some is noticed.
func (s *suite) testReadAllocations(t *testing.T) {
	cases := allocMessages()
	names := make(map[string]bool)
	for _, c := range cases {
		names[c.Name] = true
		if _, ok := s.o.ReadAllocs[c.Name]; !ok {
			t.Errorf("Options.ReadAllocs has no pin for %q", c.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.o.ReadAllocs)) {
		if !names[name] {
			t.Errorf("Options.ReadAllocs pins %q, which the suite does not read", name)
		}
	}
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			want, ok := s.o.ReadAllocs[c.Name]
			if !ok {
				t.Skip("no pin")
			}
			r := s.f.NewFramer(bufio.NewReader(Cycle(Encode(t, s.f, 0, c.M))), wire.Options{})
			var m wire.Message
			allocs := testing.AllocsPerRun(1000, func() {
				m.Reset()
				if err := r.ReadMessage(&m); err != nil {
					t.Fatal(err)
				}
				m.Release()
			})
			if allocs > want {
				t.Fatalf("ReadMessage allocated %v times per run, want at most %v", allocs, want)
			}
			t.Logf("%v allocations per read", allocs)
		})
	}
}

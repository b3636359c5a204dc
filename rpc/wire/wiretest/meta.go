package wiretest

import (
	"bufio"
	"bytes"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// pairs returns n metadata pairs of a key and a value of the given sizes,
// as NewMessage takes them.
func pairs(n, keyLen, valueLen int) []string {
	kv := make([]string, 0, 2*n)
	for i := range n {
		kv = append(kv, strings.Repeat(string(rune('a'+i%26)), keyLen), strings.Repeat("v", valueLen))
	}
	return kv
}

// testReadMetadataCaps checks the caps on a frame's metadata: a frame at
// the caps is read, one over either is refused with ErrTooLarge, naming
// its type and seq, and the stream stays in step.
func (s *suite) testReadMetadataCaps(t *testing.T) {
	small := wire.Options{MaxMetadataPairs: 4, MaxMetadataBytes: 64}
	dflt := wire.Options{MaxMessageSize: 1 << 20}
	tests := []struct {
		name string
		opts wire.Options
		meta []string
		over bool
	}{
		{"pairs at the cap", small, pairs(4, 1, 1), false},
		{"one pair over", small, pairs(5, 1, 1), true},
		{"empty pairs over", small, pairs(5, 0, 0), true},
		{"bytes at the cap", small, []string{"k", strings.Repeat("v", 63)}, false},
		{"one byte over", small, []string{"k", strings.Repeat("v", 64)}, true},
		{"bytes over in the last pair", small, append(pairs(3, 1, 1), "k", strings.Repeat("v", 60)), true},
		{"default pairs at the cap", dflt, pairs(wire.DefaultMaxMetadataPairs, 0, 0), false},
		{"default pairs over", dflt, pairs(wire.DefaultMaxMetadataPairs+1, 0, 0), true},
		{"default bytes at the cap", dflt, []string{"k", strings.Repeat("v", wire.DefaultMaxMetadataBytes-1)}, false},
		{"default bytes over", dflt, []string{"", strings.Repeat("v", wire.DefaultMaxMetadataBytes+1)}, true},
	}
	after := Encode(t, s.f, 0, next())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := NewMessage(wire.TypeCall, 42, "/meta", "body", tt.meta...)
			frame := Encode(t, s.f, 1<<20, want)
			stream := slices.Concat(frame, after)
			r := s.f.NewFramer(bufio.NewReader(bytes.NewReader(stream)), tt.opts)
			var m wire.Message
			err := r.ReadMessage(&m)
			me := &wire.MessageError{}
			if tt.over {
				me = AsMessageError(t, err, wire.ErrTooLarge)
				if me.Type != wire.TypeCall || me.Seq != 42 || me.Close {
					t.Fatalf("MessageError %v seq %d close %v, want CALL seq 42, not closing", me.Type, me.Seq, me.Close)
				}
				if code := me.Code; code != 0 && code != wire.CodeTooLarge {
					t.Fatalf("MessageError code %d, want CodeTooLarge", code)
				}
				s.checkError(t, err)
				if m.Meta.Len() != 0 {
					t.Fatalf("a refused frame left %d metadata pairs", m.Meta.Len())
				}
			} else {
				if err != nil {
					t.Fatalf("ReadMessage: %v", err)
				}
				if d := s.o.Diff(&m, want); d != "" {
					t.Fatal(d)
				}
			}
			m.Reset()
			s.readOn(t, r, me, tt.opts.MaxMessageSize, false)
			s.checkBudget(t, stream, tt.opts)
		})
	}
}

// testReadMetadataCost checks that a frame full of empty metadata pairs,
// the cheapest to send and the dearest to decode, costs a small multiple
// of its size to refuse: the pairs are counted, not decoded.
func (s *suite) testReadMetadataCost(t *testing.T) {
	const n = 200_000 // pairs
	frame := Encode(t, s.f, 16<<20, NewMessage(wire.TypeCall, 9, "/m", "", pairs(n, 0, 0)...))
	opts := wire.Options{MaxMessageSize: 16 << 20}
	r := s.f.NewFramer(bufio.NewReaderSize(bytes.NewReader(frame), 64<<10), opts)
	var m wire.Message
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := r.ReadMessage(&m)
	runtime.ReadMemStats(&after)
	me := AsMessageError(t, err, wire.ErrTooLarge)
	if me.Type != wire.TypeCall || me.Seq != 9 {
		t.Fatalf("MessageError %v seq %d, want CALL seq 9", me.Type, me.Seq)
	}
	m.Reset()
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("refusing %d metadata pairs in a frame of %d bytes allocated %d bytes", n, len(frame), grew)
	// The frame's buffer, a copy at most, and change. Decoding the pairs
	// would cost 32 bytes each, 16 times the frame's size in raw.
	if most := 3*uint64(len(frame)) + 256<<10; grew > most {
		t.Fatalf("refusing a frame of %d bytes allocated %d bytes, want at most %d", len(frame), grew, most)
	}
}

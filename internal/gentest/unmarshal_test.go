package gentest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/codec/protofast"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// message is what the generated code adds to a protoc-gen-go message.
type message interface {
	proto.Message
	DmicroSize() int
	DmicroMarshalAppend([]byte) ([]byte, error)
	DmicroUnmarshal([]byte) error
}

// compareUnmarshal decodes b with proto.Unmarshal and DmicroUnmarshal into
// new messages of m's type and fails t unless both fail or both give equal
// messages that marshal to the same bytes.
func compareUnmarshal(t testing.TB, b []byte, m message) {
	t.Helper()
	want := m.ProtoReflect().Type().New().Interface()
	werr := proto.Unmarshal(b, want)
	got := m.ProtoReflect().Type().New().Interface().(message)
	err := got.DmicroUnmarshal(b)
	if (err != nil) != (werr != nil) {
		t.Fatalf("%T from %x: DmicroUnmarshal error %v, proto.Unmarshal's %v", m, b, err, werr)
	}
	if err != nil {
		if !errors.Is(err, protofast.ErrMalformed) && !errors.Is(err, protofast.ErrDepth) && !errors.Is(err, protofast.ErrInvalidUTF8) && !errors.Is(err, protofast.ErrRequired) && !strings.HasPrefix(err.Error(), "proto:") {
			t.Fatalf("%T from %x: error %v wraps no sentinel", m, b, err)
		}
		return
	}
	if !proto.Equal(got, want) {
		t.Fatalf("%T from %x: DmicroUnmarshal gives %v, proto.Unmarshal %v", m, b, got, want)
	}
	// proto.Unmarshal accepts a message lacking a required field in a
	// oneof member other than the first, which proto.Marshal then refuses.
	wb, werr := deterministic.Marshal(want)
	gb, err := got.DmicroMarshalAppend(nil)
	if (err != nil) != (werr != nil) || err == nil && !bytes.Equal(gb, wb) {
		t.Fatalf("%T from %x: re-marshalled %x (%v), proto %x (%v)", m, b, gb, err, wb, werr)
	}
}

// corrupt returns b with a random change: a byte changed, cut short,
// bytes inserted or removed, or a random field appended.
func corrupt(r *rand.Rand, b []byte) []byte {
	b = bytes.Clone(b)
	if len(b) == 0 {
		return []byte{byte(r.Uint32())}
	}
	i := r.IntN(len(b))
	switch r.IntN(5) {
	case 0:
		b[i] = byte(r.Uint32())
	case 1:
		b = b[:i]
	case 2:
		b = append(b[:i], append([]byte{byte(r.Uint32()), byte(r.Uint32())}, b[i:]...)...)
	case 3:
		b = append(b[:i], b[i+1:]...)
	default:
		b = protowire.AppendTag(b, protowire.Number(1+r.IntN(60)), protowire.Type(r.IntN(6)))
		b = append(b, byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()))
	}
	return b
}

// TestUnmarshalCorrupt decodes corrupted encodings of random messages with
// both decoders.
func TestUnmarshalCorrupt(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		b, err := deterministic.Marshal(randomAll(r, false))
		if err != nil {
			t.Fatal(err)
		}
		for range 1 + r.IntN(3) {
			b = corrupt(r, b)
		}
		compareUnmarshal(t, b, new(All))
		compareUnmarshal(t, b, new(Scalars))
		compareUnmarshal(t, b, new(Empty))
		compareUnmarshal(t, b, new(Legacy))
	}
	for range 5000 {
		b, err := proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(randomLegacy(r))
		if err != nil {
			t.Fatal(err)
		}
		for range r.IntN(3) {
			b = corrupt(r, b)
		}
		compareUnmarshal(t, b, new(Legacy))
		compareUnmarshal(t, b, new(Plain))
	}
}

// TestUnmarshalRandom decodes random bytes with both decoders.
func TestUnmarshalRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 5000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		compareUnmarshal(t, b, new(All))
		compareUnmarshal(t, b, new(Recursive))
		compareUnmarshal(t, b, new(Legacy))
	}
}

// nest returns the encoding of a Recursive nested levels deep through
// field (1: child, 3: a map entry's value).
func nest(levels int, field protowire.Number) []byte {
	var b []byte
	for range levels - 1 {
		inner := b
		if field == 3 {
			inner = protowire.AppendTag(nil, 2, protowire.BytesType)
			inner = protowire.AppendBytes(inner, b)
		}
		b = protowire.AppendBytes(protowire.AppendTag(nil, field, protowire.BytesType), inner)
	}
	return b
}

// cases are hand-made inputs with the wire format's edge cases.
func cases() map[string][]byte {
	tag := func(n protowire.Number, t protowire.Type) []byte { return protowire.AppendTag(nil, n, t) }
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	return map[string][]byte{
		"truncated varint":          {0x08, 0x80},
		"truncated fixed32":         {0x3d, 1, 2},
		"truncated fixed64":         {0x41, 1, 2, 3},
		"truncated length":          {0x0a, 0x05, 1},
		"truncated tag":             {0x80},
		"over-long varint":          cat([]byte{0x08}, bytes.Repeat([]byte{0x80}, 10), []byte{0}),
		"varint 10th byte too big":  cat([]byte{0x08}, bytes.Repeat([]byte{0xff}, 9), []byte{0x02}),
		"varint 10 bytes":           cat([]byte{0x08}, bytes.Repeat([]byte{0xff}, 9), []byte{0x01}),
		"non-minimal varint":        {0x08, 0x81, 0x80, 0x80, 0},
		"non-minimal tag unknown":   {0xf8, 0x87, 0x80, 0x00, 0x01},
		"negative length":           cat([]byte{0x72}, bytes.Repeat([]byte{0xff}, 9), []byte{0x01}),
		"length past end":           {0x72, 0x7f, 'a'},
		"field number 0":            {0x00, 0x01},
		"field number 0 long":       {0x80, 0x00, 0x01},
		"field number too big":      cat(protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3), []byte{0}),
		"end group alone":           {0x0c},
		"end group of known field":  {0x0c, 0x08, 0x01},
		"group unknown":             cat(tag(900, protowire.StartGroupType), tag(1, protowire.VarintType), []byte{5}, tag(900, protowire.EndGroupType)),
		"group mismatched end":      cat(tag(900, protowire.StartGroupType), tag(901, protowire.EndGroupType)),
		"group unterminated":        cat(tag(900, protowire.StartGroupType), tag(1, protowire.VarintType), []byte{5}),
		"group for known field":     cat(tag(1, protowire.StartGroupType), tag(1, protowire.EndGroupType)),
		"reserved wire type 6":      {0x0e, 0x00},
		"reserved wire type 7":      {0x0f, 0x00},
		"wrong wire type scalar":    cat(tag(2, protowire.Fixed64Type), make([]byte, 8)),
		"wrong wire type message":   cat(tag(1, protowire.VarintType), []byte{1}),
		"wrong wire type map":       cat(tag(33, protowire.VarintType), []byte{1}),
		"wrong wire type oneof":     cat(tag(49, protowire.Fixed32Type), make([]byte, 4)),
		"wrong wire type string":    cat(tag(6, protowire.VarintType), []byte{1}),
		"invalid UTF-8":             cat(tag(6, protowire.BytesType), []byte{2, 0xc3, 0x28}),
		"invalid UTF-8 repeated":    cat(tag(30, protowire.BytesType), []byte{1, 0xff}),
		"invalid UTF-8 map key":     cat(tag(33, protowire.BytesType), []byte{3, 0x0a, 1, 0xff}),
		"invalid UTF-8 map value":   cat(tag(33, protowire.BytesType), []byte{3, 0x12, 1, 0xff}),
		"invalid UTF-8 oneof":       cat(tag(47, protowire.BytesType), []byte{1, 0xff}),
		"invalid UTF-8 nested":      cat(tag(1, protowire.BytesType), []byte{3, 0x72, 1, 0xff}),
		"bytes not UTF-8":           cat(tag(7, protowire.BytesType), []byte{1, 0xff}),
		"unknown of every type":     cat(tag(800, protowire.VarintType), []byte{0x96, 0x01}, tag(801, protowire.Fixed32Type), []byte{1, 2, 3, 4}, tag(802, protowire.Fixed64Type), make([]byte, 8), tag(803, protowire.BytesType), []byte{2, 'h', 'i'}, tag(804, protowire.StartGroupType), tag(804, protowire.EndGroupType)),
		"packed and unpacked":       cat(tag(10, protowire.BytesType), []byte{2, 1, 2}, tag(10, protowire.VarintType), []byte{3}, tag(24, protowire.BytesType), []byte{1, 4}, tag(24, protowire.VarintType), []byte{5}),
		"packed fixed ragged":       cat(tag(16, protowire.BytesType), []byte{5, 1, 2, 3, 4, 5}),
		"packed varint truncated":   cat(tag(10, protowire.BytesType), []byte{1, 0x80}),
		"scalar last wins":          {0x12, 0x02, 0x08, 0x01, 0x12, 0x02, 0x08, 0x02, 0x10, 0x05, 0x10, 0x06},
		"message merges":            cat(tag(1, protowire.BytesType), []byte{2, 0x08, 0x01}, tag(1, protowire.BytesType), []byte{2, 0x10, 0x02}),
		"oneof last member wins":    cat(tag(46, protowire.VarintType), []byte{1}, tag(47, protowire.BytesType), []byte{1, 'x'}),
		"oneof message merges":      cat(tag(49, protowire.BytesType), []byte{2, 0x08, 0x01}, tag(49, protowire.BytesType), []byte{2, 0x10, 0x02}),
		"oneof message replaced":    cat(tag(49, protowire.BytesType), []byte{2, 0x08, 0x01}, tag(46, protowire.VarintType), []byte{1}, tag(49, protowire.BytesType), []byte{2, 0x10, 0x02}),
		"map entry empty":           cat(tag(35, protowire.BytesType), []byte{0}),
		"map entry no value":        cat(tag(33, protowire.BytesType), []byte{3, 0x0a, 1, 'k'}),
		"map duplicate key":         cat(tag(34, protowire.BytesType), []byte{4, 0x08, 1, 0x10, 1}, tag(34, protowire.BytesType), []byte{4, 0x08, 1, 0x10, 2}),
		"map entry unknown field":   cat(tag(34, protowire.BytesType), []byte{6, 0x18, 9, 0x08, 1, 0x10, 1}),
		"map entry field 0":         cat(tag(34, protowire.BytesType), []byte{2, 0x00, 1}),
		"map entry wrong types":     cat(tag(34, protowire.BytesType), []byte{4, 0x0d, 1, 2, 3}),
		"map entry value twice":     cat(tag(35, protowire.BytesType), []byte{10, 0x08, 1, 0x12, 2, 0x08, 1, 0x12, 2, 0x10, 2}),
		"map entry truncated":       cat(tag(34, protowire.BytesType), []byte{2, 0x08, 0x80}),
		"map bool key":              cat(tag(44, protowire.BytesType), []byte{2, 0x08, 0x05}),
		"enum unknown number":       cat(tag(8, protowire.VarintType), []byte{0x63}, tag(23, protowire.BytesType), []byte{2, 0x63, 0x01}),
		"enum negative":             cat(tag(8, protowire.VarintType), protowire.AppendVarint(nil, uint64(1<<64-3))),
		"optional zero":             cat(tag(2, protowire.VarintType), []byte{0}, tag(7, protowire.BytesType), []byte{0}, tag(6, protowire.BytesType), []byte{0}),
		"int32 from 64-bit varint":  cat(tag(10, protowire.VarintType), protowire.AppendVarint(nil, 1<<40+5)),
		"bool from big varint":      cat(tag(22, protowire.VarintType), []byte{0x80, 0x01}),
		"sint32 from 64-bit varint": cat([]byte{0x12, 11, 0x28}, protowire.AppendVarint(nil, 1<<40+7)),
		"depth 10000":               nest(10000, 1),
		"depth 10001":               nest(10001, 1),
		"depth 10000 by map":        nest(5000, 3),
		"depth 10001 by map":        nest(5001, 3),
		"depth 10002 by map":        nest(5002, 3),
		"timestamp":                 cat(tag(54, protowire.BytesType), []byte{4, 0x08, 1, 0x10, 2}),
		"timestamp bad":             cat(tag(54, protowire.BytesType), []byte{2, 0x08, 0x80}),
		"big field number":          cat(tag(536870911, protowire.BytesType), []byte{1, 'z'}),
		"empty":                     {},
		"required only":             {0x08, 0x01},
		"required in map value":     cat([]byte{0x08, 0x01}, tag(9, protowire.BytesType), []byte{3, 0x0a, 1, 'k'}),
		"required set in map value": cat([]byte{0x08, 0x01}, tag(9, protowire.BytesType), []byte{7, 0x0a, 1, 'k', 0x12, 2, 0x08, 2}),
		"required in oneof member":  cat([]byte{0x08, 0x01}, tag(12, protowire.BytesType), []byte{2, 0x10, 0x01}),
		"required in two halves":    cat([]byte{0x08, 0x01}, tag(7, protowire.BytesType), []byte{2, 0x08, 0x01}, tag(7, protowire.BytesType), []byte{2, 0x10, 0x01}),
		"required missing nested":   cat([]byte{0x08, 0x01}, tag(7, protowire.BytesType), []byte{2, 0x10, 0x01}),
		"required message missing":  cat([]byte{0x08, 0x01}, tag(16, protowire.BytesType), []byte{0}),
		"closed enum unknown":       cat([]byte{0x08, 0x01, 0x18, 0x63}, tag(15, protowire.VarintType), []byte{0x07}),
	}
}

// TestUnmarshalCases decodes the hand-made cases with both decoders, as
// All and as Recursive.
func TestUnmarshalCases(t *testing.T) {
	for name, b := range cases() {
		t.Run(name, func(t *testing.T) {
			compareUnmarshal(t, b, new(All))
			compareUnmarshal(t, b, new(Recursive))
			compareUnmarshal(t, b, new(Empty))
			compareUnmarshal(t, b, new(Legacy))
		})
	}
}

// TestUnmarshalDepth checks the recursion limit names ErrDepth.
func TestUnmarshalDepth(t *testing.T) {
	if err := new(Recursive).DmicroUnmarshal(nest(10001, 1)); !errors.Is(err, protofast.ErrDepth) {
		t.Fatalf("10001 levels: %v, want ErrDepth", err)
	}
	if err := new(Recursive).DmicroUnmarshal(nest(10000, 1)); err != nil {
		t.Fatalf("10000 levels: %v", err)
	}
}

// TestUnmarshalUnknownKept checks that unknown fields survive a round trip
// byte for byte, after the known fields.
func TestUnmarshalUnknownKept(t *testing.T) {
	b := cases()["unknown of every type"]
	m := new(Scalars)
	if err := m.DmicroUnmarshal(append([]byte{0x08, 0x01}, b...)); err != nil {
		t.Fatal(err)
	}
	out, err := m.DmicroMarshalAppend(nil)
	if err != nil || !bytes.Equal(out, append([]byte{0x08, 0x01}, b...)) {
		t.Fatalf("re-encoded %x, %v", out, err)
	}
}

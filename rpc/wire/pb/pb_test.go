package pb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// options describe the format to the wiretest suite.
var options = wiretest.Options{
	Name:       "pb",
	CheckFrame: versionFirst,
	ReadAllocs: map[string]float64{
		"call":              0,
		"call, binary body": 0,
		"reply":             0,
		// Metadata and the status message cost one string for all of
		// them.
		"call with metadata":        1,
		"error reply with metadata": 1,
	},
}

// versionFirst checks that a frame starts with the version field, as
// Sniff needs.
func versionFirst(frame []byte) error {
	if len(frame) < lenSize+2 || frame[lenSize] != 0x08 || frame[lenSize+1] != Version {
		return errors.New("the frame does not start with the version field")
	}
	return nil
}

func TestSuite(t *testing.T) {
	o := options
	o.Frames = append(malformedFrames(), lenientFrames()...)
	o.Frames = append(o.Frames, refusedFrames(t)...)
	wiretest.Run(t, Format{}, o)
}

// rawFrame prefixes the concatenated parts with their length, making a
// frame whose content the test chooses field by field.
func rawFrame(parts ...[]byte) []byte {
	body := slices.Concat(parts...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// tag returns the tag of field num with wire type wt.
func tag(num protowire.Number, wt protowire.Type) []byte { return protowire.AppendTag(nil, num, wt) }

// vf returns field num as a varint field of value v.
func vf(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(tag(num, protowire.VarintType), v)
}

// bf returns field num as a length-delimited field holding b.
func bf(num protowire.Number, b string) []byte {
	return protowire.AppendString(tag(num, protowire.BytesType), b)
}

// zz returns the sint32 encoding of c.
func zz(c int64) uint64 { return protowire.EncodeZigZag(c) }

// hdr returns the version, type and seq fields as a writer puts them.
func hdr(t wire.Type, seq uint32) []byte {
	return slices.Concat(vf(fieldVersion, Version), vf(fieldType, uint64(t)), vf(fieldSeq, uint64(seq)))
}

// pair returns a metadata field with key k and value v.
func pair(k, v string) []byte {
	return bf(fieldMeta, string(slices.Concat(bf(fieldKey, k), bf(fieldValue, v))))
}

// malformedFrames are frames the reader refuses as malformed, keeping the
// stream in step.
func malformedFrames() []wiretest.Frame {
	const (
		call  = wire.TypeCall
		reply = wire.TypeReply
	)
	overflow := append(bytes.Repeat([]byte{0xff}, 10), 0x01) // an 11-byte varint
	head := hdr(call, 5)
	bad := func(name string, frame []byte, t wire.Type, seq uint32, reason string) wiretest.Frame {
		return wiretest.Frame{Name: name, Frame: frame, Err: wire.ErrMalformed, Type: t, Seq: seq, Reason: reason}
	}
	return []wiretest.Frame{
		bad("length 0", rawFrame(), 0, 0, "frame length 0 is below the minimum 4"),
		bad("length 3", rawFrame([]byte{0x08, 0x01, 0x10}), 0, 0, "below the minimum"),
		bad("no version", rawFrame(vf(fieldType, 1), vf(fieldSeq, 5)), 0, 0, "unsupported version 0"),
		bad("version 2", rawFrame(vf(fieldVersion, 2), vf(fieldType, 1), vf(fieldSeq, 5)), 0, 0, "unsupported version 2"),
		bad("version wrong wire type", rawFrame(bf(fieldVersion, "\x01"), vf(fieldType, 1)), 0, 0, "field 1 (version) has wire type 2, want 0 (varint)"),
		bad("no type", rawFrame(vf(fieldVersion, 1), vf(fieldSeq, 5)), 0, 5, "invalid message type 0"),
		bad("type 7", rawFrame(hdr(7, 5)), 0, 5, "invalid message type 7"),
		bad("type 257", rawFrame(vf(fieldVersion, 1), vf(fieldType, 257), vf(fieldSeq, 5)), 0, 5, "invalid message type 257"),
		bad("type fixed32", rawFrame(vf(fieldVersion, 1), tag(fieldType, protowire.Fixed32Type), []byte{1, 0, 0, 0}), 0, 0, "field 2 (type) has wire type 5, want 0 (varint)"),
		bad("type repeated, last invalid", rawFrame(head, vf(fieldType, 9)), 0, 5, "invalid message type 9"),
		bad("seq over 32 bits", rawFrame(vf(fieldVersion, 1), vf(fieldType, 1), vf(fieldSeq, 1<<32)), call, 0, "seq 4294967296 does not fit in 32 bits"),
		bad("tag field 0", rawFrame(head, []byte{0x00, 0x01}), call, 5, "field tag at offset 6: invalid field number"),
		bad("tag truncated", rawFrame(head, []byte{0x80}), call, 5, "field tag at offset 6: runs past the end of the frame"),
		bad("tag overflow", rawFrame(head, overflow), call, 5, "field tag at offset 6: variable length integer overflow"),
		bad("varint truncated", rawFrame(head, tag(fieldTimeout, protowire.VarintType), []byte{0x80}), call, 5, "field 5 (timeout_us): runs past the end of the frame"),
		bad("varint overflow", rawFrame(head, tag(fieldTimeout, protowire.VarintType), overflow), call, 5, "field 5 (timeout_us): variable length integer overflow"),
		bad("method wrong wire type", rawFrame(head, vf(fieldMethod, 1)), call, 5, "field 4 (method) has wire type 0, want 2 (length-delimited)"),
		bad("method past end", rawFrame(head, tag(fieldMethod, protowire.BytesType), []byte{5, '/', 'a'}), call, 5, "field 4 (method): runs past the end of the frame"),
		bad("method length huge", rawFrame(head, tag(fieldMethod, protowire.BytesType), protowire.AppendVarint(nil, math.MaxUint64), []byte("/a")), call, 5, "field 4 (method): runs past the end of the frame"),
		bad("code over 32 bits", rawFrame(hdr(reply, 5), vf(fieldCode, 1<<32), bf(fieldError, "x")), reply, 5, "status code 0x100000000 does not fit in 32 bits"),
		bad("code bytes", rawFrame(hdr(reply, 5), bf(fieldCode, "x")), reply, 5, "field 6 (code) has wire type 2"),
		bad("error without code", rawFrame(hdr(reply, 5), bf(fieldError, "x")), reply, 5, "status message without a status code"),
		bad("error with code 0", rawFrame(hdr(reply, 5), vf(fieldCode, 0), bf(fieldError, "x")), reply, 5, "status message without a status code"),
		bad("error varint", rawFrame(hdr(reply, 5), vf(fieldCode, zz(3)), vf(fieldError, 1)), reply, 5, "field 7 (error) has wire type 0"),
		bad("codec 256", rawFrame(head, vf(fieldCodec, 256)), call, 5, "codec 256 does not fit in a byte"),
		bad("codec bytes", rawFrame(head, bf(fieldCodec, "j")), call, 5, "field 9 (codec) has wire type 2"),
		bad("meta varint", rawFrame(head, vf(fieldMeta, 1)), call, 5, "field 8 (meta) has wire type 0"),
		bad("meta past end", rawFrame(head, tag(fieldMeta, protowire.BytesType), []byte{9}, pair("k", "v")[2:]), call, 5, "field 8 (meta): runs past the end of the frame"),
		bad("meta key varint", rawFrame(head, bf(fieldMeta, string(vf(fieldKey, 5)))), call, 5, "metadata pair 0: field 1 (key) has wire type 0, want 2"),
		bad("meta value fixed64", rawFrame(head, bf(fieldMeta, string(slices.Concat(bf(fieldKey, "k"), tag(fieldValue, protowire.Fixed64Type), make([]byte, 8))))), call, 5, "metadata pair 0: field 2 (value) has wire type 1"),
		bad("meta key past end", rawFrame(head, bf(fieldMeta, "\x0a\x05ab")), call, 5, "metadata pair 0: field 1 (key): runs past the end of the pair"),
		bad("meta tag field 0", rawFrame(head, bf(fieldMeta, "\x00")), call, 5, "metadata pair 0: field tag: invalid field number"),
		bad("meta unknown field cut", rawFrame(head, bf(fieldMeta, string(tag(3, protowire.BytesType))+"\x05")), call, 5, "metadata pair 0: unknown field 3: runs past the end of the pair"),
		bad("second meta pair broken", rawFrame(head, pair("k", "v"), bf(fieldMeta, "\x12")), call, 5, "metadata pair 1: field 2 (value): runs past the end of the pair"),
		bad("filters varint", rawFrame(head, vf(fieldFilters, 1)), call, 5, "field 10 (filters) has wire type 0"),
		bad("filter id 0", rawFrame(head, bf(fieldFilters, "\x01\x00")), call, 5, "filter 1 has id 0"),
		bad("256 filters", rawFrame(head, bf(fieldFilters, strings.Repeat("\x01", 256))), call, 5, "256 filters, at most 255"),
		bad("body varint", rawFrame(head, vf(fieldBody, 1)), call, 5, "field 11 (body) has wire type 0"),
		bad("body past end", rawFrame(head, tag(fieldBody, protowire.BytesType), []byte{10, 'x'}), call, 5, "field 11 (body): runs past the end of the frame"),
		bad("unknown field cut", rawFrame(head, tag(20, protowire.BytesType), []byte{5, 1, 2}), call, 5, "unknown field 20: runs past the end of the frame"),
		bad("unknown end group", rawFrame(head, tag(20, protowire.EndGroupType)), call, 5, "unknown field 20"),
		bad("unknown group not ended", rawFrame(head, tag(20, protowire.StartGroupType), vf(1, 1)), call, 5, "unknown field 20"),
		bad("unknown group wrong end", rawFrame(head, tag(20, protowire.StartGroupType), tag(21, protowire.EndGroupType)), call, 5, "unknown field 20"),
		bad("unknown wire type 6", rawFrame(head, []byte{20<<3 | 6}), call, 5, "field tag at offset 6"),
		bad("later part broken", rawFrame(head, bf(fieldMethod, "/m"), vf(fieldTimeout, 1000), pair("k", "v"), vf(fieldCodec, 'j'), bf(fieldFilters, "\x00"), bf(fieldBody, "b")), call, 5, "filter 0 has id 0"),
		bad("version last, broken before", rawFrame(vf(fieldType, 1), vf(fieldSeq, 5), vf(fieldMethod, 1), vf(fieldVersion, 1)), 0, 0, "field 4 (method) has wire type 0"),
	}
}

// lenientFrames are frames the reader accepts although the writer never
// makes them: any field order, unknown fields, repeated fields, zero
// values written out, longer varints.
func lenientFrames() []wiretest.Frame {
	unknown := slices.Concat(
		vf(20, 7), bf(21, "x"), tag(22, protowire.Fixed32Type), []byte{1, 2, 3, 4},
		tag(23, protowire.Fixed64Type), make([]byte, 8),
		tag(24, protowire.StartGroupType), vf(1, 1), bf(2, "y"), tag(24, protowire.EndGroupType),
	)
	padded := []byte{0x85, 0x80, 0x00} // 5 as a three-byte varint
	ok := func(name string, frame []byte, want *wire.Message) wiretest.Frame {
		return wiretest.Frame{Name: name, Frame: frame, Want: want}
	}
	return []wiretest.Frame{
		ok("fields in reverse order", rawFrame(bf(fieldBody, "b"), vf(fieldCodec, 'j'), pair("k", "v"), bf(fieldMethod, "/m"), vf(fieldSeq, 3), vf(fieldType, 1), vf(fieldVersion, 1)),
			func() *wire.Message {
				m := wiretest.NewMessage(wire.TypeCall, 3, "/m", "b", "k", "v")
				m.Codec = 'j'
				return m
			}()),
		ok("unknown fields everywhere", rawFrame(unknown, hdr(wire.TypePush, 0), unknown, bf(fieldMethod, "/m"), unknown,
			bf(fieldMeta, string(slices.Concat(unknown, bf(fieldKey, "k"), unknown, bf(fieldValue, "v"), unknown)))),
			wiretest.NewMessage(wire.TypePush, 0, "/m", "", "k", "v")),
		ok("repeated fields, the last wins", rawFrame(hdr(wire.TypeCall, 1), vf(fieldType, 3), vf(fieldSeq, 2), bf(fieldMethod, "/a"), bf(fieldMethod, "/b"),
			vf(fieldCodec, 1), vf(fieldCodec, 2), bf(fieldFilters, "\x01"), bf(fieldFilters, "\x02\x03"), bf(fieldBody, "x"), bf(fieldBody, "y"),
			vf(fieldCode, zz(1)), vf(fieldCode, zz(-5)), bf(fieldError, "a"), bf(fieldError, "b"), vf(fieldTimeout, 1), vf(fieldTimeout, 2)),
			&wire.Message{Type: wire.TypePush, Seq: 2, Method: "/b", Codec: 2, Filters: []byte{2, 3}, Body: []byte("y"), Code: -5, Error: "b", Timeout: 2000}),
		ok("metadata in between, in order", rawFrame(pair("a", "1"), hdr(wire.TypePush, 0), pair("b", "2"), bf(fieldMethod, "/m"), pair("a", "3")),
			wiretest.NewMessage(wire.TypePush, 0, "/m", "", "a", "1", "b", "2", "a", "3")),
		ok("metadata pair fields repeated, reordered, missing", rawFrame(hdr(wire.TypePush, 0),
			bf(fieldMeta, string(slices.Concat(bf(fieldValue, "v"), bf(fieldKey, "k1"), bf(fieldKey, "k2")))),
			bf(fieldMeta, string(bf(fieldKey, "only key"))), bf(fieldMeta, string(bf(fieldValue, "only value"))), bf(fieldMeta, "")),
			wiretest.NewMessage(wire.TypePush, 0, "", "", "k2", "v", "only key", "", "", "only value", "", "")),
		ok("zero values written out", rawFrame(hdr(wire.TypeReply, 0), bf(fieldMethod, ""), vf(fieldTimeout, 0), vf(fieldCode, 0), bf(fieldError, ""),
			vf(fieldCodec, 0), bf(fieldFilters, ""), bf(fieldBody, "")),
			&wire.Message{Type: wire.TypeReply}),
		ok("padded varints", rawFrame(vf(fieldVersion, 1)[:1], []byte{0x81, 0x00}, vf(fieldType, 1)[:1], []byte{0x81, 0x80, 0x00}, tag(fieldTimeout, protowire.VarintType), padded),
			&wire.Message{Type: wire.TypeCall, Timeout: 5000}),
		ok("timeout beyond time.Duration", rawFrame(hdr(wire.TypeCall, 1), vf(fieldTimeout, math.MaxUint64)),
			&wire.Message{Type: wire.TypeCall, Seq: 1, Timeout: math.MaxInt64}),
		ok("code min int32", rawFrame(hdr(wire.TypeReply, 1), vf(fieldCode, math.MaxUint32)), &wire.Message{Type: wire.TypeReply, Seq: 1, Code: math.MinInt32}),
	}
}

// refusedFrames are frames over the limit whose type and seq the reader
// looks for in their first bytes, wherever they are there.
func refusedFrames(t testing.TB) []wiretest.Frame {
	const limit = 1 << 10
	filler := bf(fieldBody, strings.Repeat("x", limit))
	big := func(name string, frame []byte, lim int, t wire.Type, seq uint32) wiretest.Frame {
		return wiretest.Frame{Name: "over the limit, " + name, Frame: frame, Limit: lim, Err: wire.ErrTooLarge, Type: t, Seq: seq}
	}
	small := big("in a 16-byte buffer", wiretest.Encode(t, Format{}, 0, wiretest.NewMessage(wire.TypeCall, 7, "/big", strings.Repeat("x", 100))), 64, wire.TypeCall, 7)
	small.BufSize = 16
	return []wiretest.Frame{
		big("fields in another order", rawFrame(vf(fieldSeq, 5), vf(fieldType, 1), vf(fieldVersion, 1), filler), limit, wire.TypeCall, 5),
		big("header after a short field", rawFrame(vf(fieldVersion, 1), bf(fieldMethod, "/m"), vf(fieldType, 1), vf(fieldSeq, 5), filler), limit, wire.TypeCall, 5),
		big("seq beyond the peek", rawFrame(vf(fieldVersion, 1), vf(fieldType, 1), bf(fieldMethod, strings.Repeat("m", 40)), vf(fieldSeq, 5), filler), limit, wire.TypeCall, 0),
		big("invalid type", rawFrame(hdr(9, 5), filler), limit, 0, 5),
		big("unknown version", rawFrame(vf(fieldVersion, 2), vf(fieldType, 1), vf(fieldSeq, 5), filler), limit, 0, 0),
		big("no version", rawFrame(vf(fieldType, 1), vf(fieldSeq, 5), filler), limit, 0, 0),
		big("garbage", rawFrame(bytes.Repeat([]byte{0xff}, 2*limit)), limit, 0, 0),
		big("shorter than the peek", rawFrame(hdr(wire.TypeCall, 5)), 8, wire.TypeCall, 5),
		small,
	}
}

// TestFrameLayout pins the start of every frame, which Sniff relies on,
// and the field order.
func TestFrameLayout(t *testing.T) {
	m := wiretest.NewMessage(wire.TypeReply, 0x0102, "/x", "b", "k", "v")
	m.Timeout, m.Code, m.Error, m.Codec, m.Filters = 3*time.Microsecond, -1, "e", 0x7f, []byte{4}
	b := wiretest.Encode(t, Format{}, 0, m)
	want := slices.Concat(
		[]byte{0x08, 0x01, 0x10, 0x02, 0x18, 0x82, 0x02},     // version 1, type 2, seq 0x102
		[]byte{0x22, 0x02, '/', 'x'},                         // method
		[]byte{0x28, 0x03},                                   // timeout 3 us
		[]byte{0x30, 0x01},                                   // code -1
		[]byte{0x3a, 0x01, 'e'},                              // error
		[]byte{0x42, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v'}, // a metadata pair
		[]byte{0x48, 0x7f},                                   // codec
		[]byte{0x52, 0x01, 0x04},                             // filters
		[]byte{0x5a, 0x01, 'b'},                              // body
	)
	if !bytes.Equal(b[lenSize:], want) {
		t.Fatalf("frame\n% x\nwant\n% x", b[lenSize:], want)
	}
	if got := binary.BigEndian.Uint32(b); int(got) != len(want) {
		t.Fatalf("length field %d, want %d", got, len(want))
	}
}

package raw

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// options describe the format to the wiretest suite.
var options = wiretest.Options{
	Name: "raw",
	ReadAllocs: map[string]float64{
		"call":              0,
		"call, binary body": 0,
		"reply":             0,
		// Metadata costs one string for all its pairs; a status
		// message one more.
		"call with metadata":        1,
		"error reply with metadata": 2,
	},
}

func TestSuite(t *testing.T) {
	o := options
	o.Frames = append(malformedFrames(), lenientFrames()...)
	o.Frames = append(o.Frames, refusedFrames()...)
	wiretest.Run(t, Format{}, o)
}

// rawFrame prefixes the concatenated parts with their length, making a
// frame whose content the test chooses byte by byte.
func rawFrame(parts ...[]byte) []byte {
	body := slices.Concat(parts...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// hdr returns a version 1 fixed header.
func hdr(t wire.Type, flags, codec byte, seq uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{Version, byte(t), flags, codec}, seq)
}

// uv returns x as a uvarint.
func uv(x uint64) []byte { return binary.AppendUvarint(nil, x) }

// sv returns x as a zigzag varint.
func sv(x int64) []byte { return binary.AppendVarint(nil, x) }

// str returns s as a uvarint length and its bytes.
func str(s string) []byte { return append(uv(uint64(len(s))), s...) }

// malformedFrames are frames the reader refuses as malformed, keeping the
// stream in step.
func malformedFrames() []wiretest.Frame {
	const (
		call   = wire.TypeCall
		reply  = wire.TypeReply
		method = 0 // a zero method length
	)
	overflow := append(bytes.Repeat([]byte{0xff}, 10), 0x01) // an 11th byte would be needed
	bad := func(name string, frame []byte, t wire.Type, seq uint32, reason string) wiretest.Frame {
		return wiretest.Frame{Name: name, Frame: frame, Err: wire.ErrMalformed, Type: t, Seq: seq, Reason: reason}
	}
	return []wiretest.Frame{
		bad("length 0", rawFrame(), 0, 0, "frame length 0 is below the minimum 9"),
		bad("length 8", rawFrame(hdr(call, 0, 0, 1)), 0, 0, "below the minimum"),
		bad("version 0", rawFrame([]byte{0, 1, 0, 0, 0, 0, 0, 1, method}), 0, 0, "unsupported version 0"),
		bad("version 2", rawFrame([]byte{2, 1, 0, 0, 0, 0, 0, 1, method}), 0, 0, "unsupported version 2"),
		bad("type 0", rawFrame(hdr(0, 0, 0, 5), []byte{method}), 0, 5, "invalid message type 0"),
		bad("type 7", rawFrame(hdr(7, 0, 0, 5), []byte{method}), 0, 5, "invalid message type 7"),
		bad("type 255", rawFrame(hdr(255, 0, 0, 5), []byte{method}), 0, 5, "invalid message type 255"),
		bad("flag 0x10", rawFrame(hdr(call, 0x10, 0, 6), []byte{method}), call, 6, "unknown flag bits 0x10"),
		bad("flag 0x80", rawFrame(hdr(reply, 0x81, 0, 6), []byte{method}, uv(1)), reply, 6, "unknown flag bits 0x80"),
		bad("method length truncated", rawFrame(hdr(call, 0, 0, 7), []byte{0x80}), call, 7, "method length: truncated varint"),
		bad("method length overflow", rawFrame(hdr(call, 0, 0, 7), overflow), call, 7, "method length: varint overflows"),
		bad("method past end", rawFrame(hdr(call, 0, 0, 7), uv(5), []byte("/ab")), call, 7, "method length 5 runs past the end"),
		bad("method length huge", rawFrame(hdr(call, 0, 0, 7), uv(math.MaxUint64), []byte("/ab")), call, 7, "runs past the end"),
		bad("timeout missing", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method}), call, 8, "timeout: truncated varint"),
		bad("timeout truncated", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method, 0xff}), call, 8, "timeout: truncated varint"),
		bad("timeout overflow", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method}, overflow), call, 8, "timeout: varint overflows"),
		bad("timeout zero", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method}, uv(0)), call, 8, "zero timeout"),
		bad("code missing", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}), reply, 9, "status code: truncated varint"),
		bad("code overflow", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, overflow), reply, 9, "status code: varint overflows"),
		bad("code zero", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(0), str("x")), reply, 9, "zero status code"),
		bad("code above int32", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(math.MaxInt32+1), str("x")), reply, 9, "does not fit in 32 bits"),
		bad("code below int32", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(math.MinInt32-1), str("x")), reply, 9, "does not fit in 32 bits"),
		bad("status message length missing", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(3)), reply, 9, "status message length: truncated varint"),
		bad("status message past end", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(3), uv(4), []byte("abc")), reply, 9, "status message length 4 runs past the end"),
		bad("meta count missing", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}), call, 10, "metadata pair count: truncated varint"),
		bad("meta count overflow", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, overflow), call, 10, "metadata pair count: varint overflows"),
		bad("meta zero pairs", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(0), []byte("body")), call, 10, "zero metadata pairs"),
		bad("meta fewer pairs than count", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(2), str("k"), str("v")), call, 10, "metadata pair 1 key length: truncated varint"),
		bad("meta huge count", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(math.MaxUint64), str("k"), str("v")), call, 10, "metadata pair 1 key length: truncated"),
		bad("meta key past end", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(1), uv(9), []byte("key")), call, 10, "metadata pair 0 key length 9 runs past the end"),
		bad("meta value missing", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(1), str("k")), call, 10, "metadata pair 0 value length: truncated varint"),
		bad("meta value past end", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(1), str("k"), uv(2), []byte("v")), call, 10, "metadata pair 0 value length 2 runs past the end"),
		bad("filter count missing", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method}), call, 11, "filter count runs past the end"),
		bad("filter count zero", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method, 0}, []byte("body")), call, 11, "zero filter count"),
		bad("filter ids past end", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method, 3, 1, 2}), call, 11, "filter count 3 runs past the end"),
		bad("filter id zero", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method, 2, 1, 0}), call, 11, "filter 1 has id 0"),
		bad("later part broken", rawFrame(hdr(call, flagTimeout|flagMeta|flagFilters, 'j', 12), str("/m"), uv(1000), uv(1), str("k"), str("v"), []byte{1, 0}), call, 12, "filter 0 has id 0"),
	}
}

// lenientFrames are frames the reader accepts although the writer never
// makes them.
func lenientFrames() []wiretest.Frame {
	padded := []byte{0x85, 0x80, 0x00} // 5 as a three-byte uvarint
	return []wiretest.Frame{
		{Name: "padded varints", Frame: rawFrame(hdr(wire.TypeCall, flagTimeout, 0, 1), padded, []byte("/abcd"), padded),
			Want: &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/abcd", Timeout: 5000}},
		{Name: "timeout beyond time.Duration", Frame: rawFrame(hdr(wire.TypeCall, flagTimeout, 0, 1), uv(0), uv(math.MaxUint64)),
			Want: &wire.Message{Type: wire.TypeCall, Seq: 1, Timeout: math.MaxInt64}},
		{Name: "repeated metadata key", Frame: rawFrame(hdr(wire.TypePush, flagMeta, 0, 0), uv(0), uv(2), str("k"), str("1"), str("k"), str("2")),
			Want: wiretest.NewMessage(wire.TypePush, 0, "", "", "k", "1", "k", "2")},
	}
}

// refusedFrames are frames over the limit whose fixed header says less
// than a writer's would.
func refusedFrames() []wiretest.Frame {
	const limit = 1 << 10
	withHeader := func(ty, version byte, seq uint32, n int) []byte {
		return rawFrame([]byte{version, ty, 0, 0}, binary.BigEndian.AppendUint32(nil, seq), make([]byte, n))
	}
	return []wiretest.Frame{
		{Name: "over the limit, invalid type", Frame: withHeader(9, Version, 5, limit), Limit: limit, Err: wire.ErrTooLarge, Seq: 5},
		{Name: "over the limit, unknown version", Frame: withHeader(byte(wire.TypeCall), 2, 5, limit), Limit: limit, Err: wire.ErrTooLarge},
		{Name: "over the limit, too short for a header", Frame: rawFrame([]byte{1, 1, 0, 0, 0, 0, 0}), Limit: 8, Err: wire.ErrTooLarge},
		{Name: "one byte over, header and padding", Frame: withHeader(byte(wire.TypeCall), Version, 3, limit-lenSize-headerSize+1), Limit: limit,
			Err: wire.ErrTooLarge, Type: wire.TypeCall, Seq: 3},
	}
}

// TestHeaderLayout pins the fixed header's offsets.
func TestHeaderLayout(t *testing.T) {
	b := wiretest.Encode(t, Format{}, 0, &wire.Message{Type: wire.TypePush, Seq: 0x01020304, Codec: 0x7f, Method: "/x"})
	if got := binary.BigEndian.Uint32(b); int(got) != len(b)-lenSize {
		t.Fatalf("length field %d, frame %d", got, len(b))
	}
	want := []byte{Version, byte(wire.TypePush), 0, 0x7f, 1, 2, 3, 4, 2, '/', 'x'}
	if !bytes.Equal(b[lenSize:], want) {
		t.Fatalf("frame % x, want % x", b[lenSize:], want)
	}
}

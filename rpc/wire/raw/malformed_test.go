package raw

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestReadMalformed(t *testing.T) {
	const (
		call   = wire.TypeCall
		reply  = wire.TypeReply
		method = 0 // a zero method length
	)
	overflow := bytes.Repeat([]byte{0xff}, 10) // an 11th byte would be needed
	overflow = append(overflow, 0x01)
	tests := []struct {
		name    string
		frame   []byte
		wantTy  wire.Type
		wantSeq uint32
		reason  string // a part of the error text
	}{
		{"length 0", rawFrame(), 0, 0, "below the minimum"},
		{"length 8", rawFrame(hdr(call, 0, 0, 1)), 0, 0, "below the minimum"},
		{"version 0", rawFrame([]byte{0, 1, 0, 0, 0, 0, 0, 1, method}), 0, 0, "unsupported version 0"},
		{"version 2", rawFrame([]byte{2, 1, 0, 0, 0, 0, 0, 1, method}), 0, 0, "unsupported version 2"},
		{"type 0", rawFrame(hdr(0, 0, 0, 5), []byte{method}), 0, 5, "invalid message type 0"},
		{"type 7", rawFrame(hdr(7, 0, 0, 5), []byte{method}), 0, 5, "invalid message type 7"},
		{"type 255", rawFrame(hdr(255, 0, 0, 5), []byte{method}), 0, 5, "invalid message type 255"},
		{"flag 0x10", rawFrame(hdr(call, 0x10, 0, 6), []byte{method}), call, 6, "unknown flag bits 0x10"},
		{"flag 0x80", rawFrame(hdr(reply, 0x81, 0, 6), []byte{method}, uv(1)), reply, 6, "unknown flag bits 0x80"},
		{"method length truncated", rawFrame(hdr(call, 0, 0, 7), []byte{0x80}), call, 7, "method length: truncated varint"},
		{"method length overflow", rawFrame(hdr(call, 0, 0, 7), overflow), call, 7, "method length: varint overflows"},
		{"method past end", rawFrame(hdr(call, 0, 0, 7), uv(5), []byte("/ab")), call, 7, "method length 5 runs past the end"},
		{"method length huge", rawFrame(hdr(call, 0, 0, 7), uv(math.MaxUint64), []byte("/ab")), call, 7, "runs past the end"},
		{"timeout missing", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method}), call, 8, "timeout: truncated varint"},
		{"timeout truncated", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method, 0xff}), call, 8, "timeout: truncated varint"},
		{"timeout overflow", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method}, overflow), call, 8, "timeout: varint overflows"},
		{"timeout zero", rawFrame(hdr(call, flagTimeout, 0, 8), []byte{method}, uv(0)), call, 8, "zero timeout"},
		{"code missing", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}), reply, 9, "status code: truncated varint"},
		{"code overflow", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, overflow), reply, 9, "status code: varint overflows"},
		{"code zero", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(0), str("x")), reply, 9, "zero status code"},
		{"code above int32", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(math.MaxInt32+1), str("x")), reply, 9, "does not fit in 32 bits"},
		{"code below int32", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(math.MinInt32-1), str("x")), reply, 9, "does not fit in 32 bits"},
		{"status message length missing", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(3)), reply, 9, "status message length: truncated varint"},
		{"status message past end", rawFrame(hdr(reply, flagStatus, 0, 9), []byte{method}, sv(3), uv(4), []byte("abc")), reply, 9, "status message length 4 runs past the end"},
		{"meta count missing", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}), call, 10, "metadata pair count: truncated varint"},
		{"meta count overflow", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, overflow), call, 10, "metadata pair count: varint overflows"},
		{"meta zero pairs", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(0), []byte("body")), call, 10, "zero metadata pairs"},
		{"meta fewer pairs than count", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(2), str("k"), str("v")), call, 10, "metadata pair 1 key length: truncated varint"},
		{"meta huge count", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(math.MaxUint64), str("k"), str("v")), call, 10, "metadata pair 1 key length: truncated"},
		{"meta key past end", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(1), uv(9), []byte("key")), call, 10, "metadata pair 0 key length 9 runs past the end"},
		{"meta value missing", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(1), str("k")), call, 10, "metadata pair 0 value length: truncated varint"},
		{"meta value past end", rawFrame(hdr(call, flagMeta, 0, 10), []byte{method}, uv(1), str("k"), uv(2), []byte("v")), call, 10, "metadata pair 0 value length 2 runs past the end"},
		{"filter count missing", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method}), call, 11, "filter count runs past the end"},
		{"filter count zero", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method, 0}, []byte("body")), call, 11, "zero filter count"},
		{"filter ids past end", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method, 3, 1, 2}), call, 11, "filter count 3 runs past the end"},
		{"filter id zero", rawFrame(hdr(call, flagFilters, 0, 11), []byte{method, 2, 1, 0}), call, 11, "filter 1 has id 0"},
		{"later part broken", rawFrame(hdr(call, flagTimeout|flagMeta|flagFilters, 'j', 12), str("/m"), uv(1000), uv(1), str("k"), str("v"), []byte{1, 0}), call, 12, "filter 0 has id 0"},
	}
	next := msg(wire.TypeCall, 99, "/next", "ok", "k", "v")
	next.Filters = []byte{1}
	nextFrame := encode(t, 0, next)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newReadFramer(bytes.NewReader(slices.Concat(tt.frame, nextFrame)), 0)
			var m wire.Message
			err := f.ReadMessage(&m)
			me := asMessageError(t, err, wire.ErrMalformed)
			if me.Type != tt.wantTy || me.Seq != tt.wantSeq {
				t.Errorf("MessageError %v seq %d, want %v seq %d", me.Type, me.Seq, tt.wantTy, tt.wantSeq)
			}
			if !strings.HasPrefix(err.Error(), "raw: ") || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q, want a raw: error containing %q", err, tt.reason)
			}
			m.Reset()
			if err := f.ReadMessage(&m); err != nil {
				t.Fatalf("ReadMessage after the malformed frame: %v", err)
			}
			if d := diffMessage(&m, next); d != "" {
				t.Fatalf("frame after the malformed one: %s", d)
			}
			m.Release()
		})
	}
}

// TestReadLenient checks what the reader accepts although the writer never
// produces it.
func TestReadLenient(t *testing.T) {
	padded := []byte{0x85, 0x80, 0x00} // 5 as a three-byte uvarint
	tests := []struct {
		name  string
		frame []byte
		want  *wire.Message
	}{
		{"padded varints", rawFrame(hdr(wire.TypeCall, flagTimeout, 0, 1), padded, []byte("/abcd"), padded),
			&wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/abcd", Timeout: 5000}},
		{"timeout beyond time.Duration", rawFrame(hdr(wire.TypeCall, flagTimeout, 0, 1), uv(0), uv(math.MaxUint64)),
			&wire.Message{Type: wire.TypeCall, Seq: 1, Timeout: math.MaxInt64}},
		{"repeated metadata key", rawFrame(hdr(wire.TypePush, flagMeta, 0, 0), uv(0), uv(2), str("k"), str("1"), str("k"), str("2")),
			msg(wire.TypePush, 0, "", "", "k", "1", "k", "2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newReadFramer(bytes.NewReader(tt.frame), 0)
			var m wire.Message
			if err := f.ReadMessage(&m); err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			if d := diffMessage(&m, tt.want); d != "" {
				t.Fatalf("%s: got %+v", d, m)
			}
			m.Release()
		})
	}
}

// TestHeaderLayout pins the fixed header's offsets.
func TestHeaderLayout(t *testing.T) {
	b := encode(t, 0, &wire.Message{Type: wire.TypePush, Seq: 0x01020304, Codec: 0x7f, Method: "/x"})
	if got := binary.BigEndian.Uint32(b); int(got) != len(b)-lenSize {
		t.Fatalf("length field %d, frame %d", got, len(b))
	}
	want := []byte{Version, byte(wire.TypePush), 0, 0x7f, 1, 2, 3, 4, 2, '/', 'x'}
	if !bytes.Equal(b[lenSize:], want) {
		t.Fatalf("frame % x, want % x", b[lenSize:], want)
	}
}

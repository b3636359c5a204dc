package websocket

import (
	"encoding/binary"
	"testing"

	"github.com/coder/websocket"
)

// frameHeader is the header of a binary frame with a payload of n bytes,
// masked when mask is set, in the 64-bit form of the length when n does
// not fit in 16 bits.
func frameHeader(n uint64, mask bool) []byte {
	var b []byte
	switch {
	case n < 126:
		b = []byte{0x82, byte(n)}
	case n <= 0xFFFF:
		b = binary.BigEndian.AppendUint16([]byte{0x82, 126}, uint16(n))
	default:
		b = binary.BigEndian.AppendUint64([]byte{0x82, 127}, n)
	}
	if mask {
		b[1] |= 0x80
		b = append(b, 1, 2, 3, 4)
	}
	return b
}

// TestFrameScanner: the scanner passes good frames and finds each fault
// at the start of the frame at fault, however the bytes are cut in two.
func TestFrameScanner(t *testing.T) {
	const limit = 100
	masked := func(b0 byte, n int) []byte {
		h := frameHeader(uint64(n), true)
		h[0] = b0
		return append(h, make([]byte, n)...)
	}
	join := func(frames ...[]byte) []byte {
		var b []byte
		for _, f := range frames {
			b = append(b, f...)
		}
		return b
	}
	for _, tc := range []struct {
		name  string
		in    []byte
		at    int // where the faulty frame starts; -1 for none
		code  websocket.StatusCode
		limit int64
	}{
		{"messages and control frames", join(masked(0x82, 3), masked(0x89, 125), masked(0x02, 50), masked(0x8A, 0), masked(0x80, 50), masked(0x88, 2)), -1, 0, limit},
		{"a message of the limit", masked(0x82, 100), -1, 0, limit},
		{"no limit", frameHeader(1<<62, true), -1, 0, -1},
		{"unmasked", join(masked(0x82, 1), frameHeader(1, false)), 7, websocket.StatusProtocolError, limit},
		{"reserved bit", join(masked(0x82, 1), masked(0xC2, 1)), 7, websocket.StatusProtocolError, limit},
		{"unknown opcode", masked(0x83, 1), 0, websocket.StatusProtocolError, limit},
		{"fragmented ping", masked(0x09, 1), 0, websocket.StatusProtocolError, limit},
		{"ping of 126 bytes", masked(0x89, 126), 0, websocket.StatusProtocolError, limit},
		{"continuation first", masked(0x80, 1), 0, websocket.StatusProtocolError, limit},
		{"new message inside one", join(masked(0x02, 1), masked(0x82, 1)), 7, websocket.StatusProtocolError, limit},
		{"top bit of the length", frameHeader(1<<63, true), 0, websocket.StatusProtocolError, -1},
		{"over the limit", masked(0x82, 101), 0, websocket.StatusMessageTooBig, limit},
		{"fragments over the limit", join(masked(0x02, 60), masked(0x89, 1), masked(0x80, 41)), 73, websocket.StatusMessageTooBig, limit},
	} {
		for split := 0; split <= len(tc.in); split++ {
			fs := frameScanner{limit: tc.limit}
			at, f := fs.scan(tc.in[:split])
			want := tc.at
			if f == nil {
				var k int
				k, f = fs.scan(tc.in[split:])
				at, want = split+k, max(tc.at, split)
			}
			switch {
			case tc.at < 0 && f != nil:
				t.Fatalf("%s, split at %d: %v", tc.name, split, f)
			case tc.at >= 0 && (f == nil || f.code != tc.code):
				t.Fatalf("%s, split at %d: fault %v, want status %d", tc.name, split, f, tc.code)
			case tc.at >= 0 && at != want:
				t.Fatalf("%s, split at %d: the fault starts at %d, want %d", tc.name, split, at, want)
			}
		}
	}
}

// referenceFault parses the client frames in b, a whole buffer, in the
// plainest way, and returns where the first frame at fault starts and
// the status it calls for, or -1 and 0 when none is (the last frame may
// be cut short). limit is the largest message, negative for none.
func referenceFault(b []byte, limit int64) (int, websocket.StatusCode) {
	const protocol, tooBig = websocket.StatusProtocolError, websocket.StatusMessageTooBig
	inMessage, msgLen := false, uint64(0)
	for i := 0; i < len(b); {
		fin, rsv, op := b[i]&0x80 != 0, b[i]&0x70, b[i]&0x0F
		control := op >= 8
		switch {
		case rsv != 0:
			return i, protocol
		case op >= 3 && op <= 7 || op >= 0xB:
			return i, protocol
		case control && !fin:
			return i, protocol
		case op == 0 && !inMessage, (op == 1 || op == 2) && inMessage:
			return i, protocol
		}
		if i+1 >= len(b) {
			return -1, 0
		}
		masked, n7 := b[i+1]&0x80 != 0, b[i+1]&0x7F
		if !masked || control && n7 > 125 {
			return i, protocol
		}
		pos, n := i+2, uint64(n7)
		switch n7 {
		case 126:
			if pos+2 > len(b) {
				return -1, 0
			}
			n, pos = uint64(binary.BigEndian.Uint16(b[pos:])), pos+2
		case 127:
			if pos+8 > len(b) {
				return -1, 0
			}
			n, pos = binary.BigEndian.Uint64(b[pos:]), pos+8
		}
		if n >= 1<<63 {
			return i, protocol
		}
		if !control && limit >= 0 && msgLen+n > uint64(limit) {
			return i, tooBig
		}
		pos += 4 // the masking key
		if pos > len(b) || n > uint64(len(b)-pos) {
			return -1, 0
		}
		if !control {
			inMessage = !fin
			if fin {
				msgLen = 0
			} else {
				msgLen += n
			}
		}
		i = pos + int(n)
	}
	return -1, 0
}

// FuzzFrameScanner feeds arbitrary bytes to the frame scanner of the
// server side, whole and cut in two at any point. It must never panic,
// and must find the fault that a plain parser of the whole buffer finds,
// at the same place, however the bytes are cut.
func FuzzFrameScanner(f *testing.F) {
	masked := func(b0 byte, payload string) []byte {
		return append([]byte{b0, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
	}
	var seed []byte
	seed = append(seed, masked(0x02, "he")...)
	seed = append(seed, masked(0x89, "")...)
	seed = append(seed, masked(0x80, "llo")...)
	seed = append(seed, masked(0x88, "\x03\xe8")...)
	f.Add(seed, uint16(5), int16(10))
	f.Add([]byte{0x82, 0x05, 'h', 'e', 'l', 'l', 'o'}, uint16(1), int16(-1))                 // unmasked
	f.Add([]byte{0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, uint16(7), int16(1000)) // 4 EiB
	f.Add([]byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4}, uint16(3), int16(-1))   // top bit
	f.Add([]byte{0x82, 0xFE, 0x01, 0x00, 1, 2, 3, 4}, uint16(4), int16(255))                 // 256 bytes
	f.Add([]byte{0xC2, 0x80, 1, 2, 3, 4}, uint16(0), int16(10))                              // RSV1
	f.Add([]byte{0x09, 0x80, 1, 2, 3, 4}, uint16(0), int16(10))                              // fragmented ping
	f.Fuzz(func(t *testing.T, data []byte, split uint16, limit int16) {
		wantAt, wantCode := referenceFault(data, int64(limit))
		fs := frameScanner{limit: int64(limit)}
		at, fault := fs.scan(data)
		if fault == nil {
			at = -1
		}
		if at != wantAt || fault != nil && fault.code != wantCode {
			t.Fatalf("whole: fault %v at %d; the reference: status %d at %d", fault, at, wantCode, wantAt)
		}
		cut := int(split) % (len(data) + 1)
		fs = frameScanner{limit: int64(limit)}
		want := wantAt
		at, fault = fs.scan(data[:cut])
		if fault == nil {
			var k int
			k, fault = fs.scan(data[cut:])
			at = cut + k
			if fault == nil {
				at = -1
			} else {
				want = max(want, cut) // 0 when the header began before
			}
		}
		if at != want || fault != nil && fault.code != wantCode {
			t.Fatalf("cut at %d: fault %v at %d; the reference: status %d at %d", cut, fault, at, wantCode, wantAt)
		}
	})
}

package json

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestAppendRefuses(t *testing.T) {
	const limit = 1 << 10
	atLimit := msg(wire.TypeCall, 1, "/m", "")
	atLimit.Codec = codecJSON
	atLimit.Body = []byte(`""`)
	atLimit.Body = []byte(`"` + strings.Repeat("x", limit-len(encode(t, limit, atLimit))) + `"`)
	overLimit := msg(wire.TypeCall, 1, "/m", "")
	overLimit.Codec = codecJSON
	overLimit.Body = []byte(`"` + strings.Repeat("x", len(atLimit.Body)-1) + `"`)
	// Escaping makes a string six times longer: the writer must count it.
	escaped := msg(wire.TypeCall, 1, "/m", "", "k", strings.Repeat("\x01", limit/6))

	tests := []struct {
		name     string
		limit    int
		m        *wire.Message
		sentinel error // nil: the message fits
	}{
		{"exactly at limit", limit, atLimit, nil},
		{"one byte over", limit, overLimit, wire.ErrTooLarge},
		{"escaped metadata over", limit, escaped, wire.ErrTooLarge},
		{"base64 body over", limit, &wire.Message{Type: wire.TypeCall, Body: make([]byte, limit*3/4)}, wire.ErrTooLarge},
		{"metadata over", limit, msg(wire.TypeCall, 1, "/m", "", "k", strings.Repeat("v", limit)), wire.ErrTooLarge},
		{"status over", limit, &wire.Message{Type: wire.TypeReply, Code: 1, Error: strings.Repeat("e", limit)}, wire.ErrTooLarge},
		{"method over", limit, msg(wire.TypeCall, 1, strings.Repeat("m", limit), ""), wire.ErrTooLarge},
		{"default limit", 0, &wire.Message{Type: wire.TypePush, Body: make([]byte, wire.DefaultMaxMessageSize)}, wire.ErrTooLarge},
		{"256 filters", limit, &wire.Message{Type: wire.TypeCall, Filters: bytes.Repeat([]byte{1}, 256)}, wire.ErrMalformed},
		{"zero filter id", limit, &wire.Message{Type: wire.TypeCall, Filters: []byte{1, 0}}, wire.ErrMalformed},
		{"type 0", limit, &wire.Message{}, wire.ErrMalformed},
		{"type 7", limit, &wire.Message{Type: 7}, wire.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Format{}.NewFramer(nil, wire.Options{MaxMessageSize: tt.limit})
			dst := make([]byte, 3, 8)
			copy(dst, "abc")
			out, err := f.AppendMessage(dst, tt.m)
			if tt.sentinel == nil {
				if err != nil {
					t.Fatalf("AppendMessage: %v", err)
				}
				if len(out) != 3+limit {
					t.Fatalf("frame is %d bytes, want %d", len(out)-3, limit)
				}
				return
			}
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("AppendMessage error %v, want one wrapping %v", err, tt.sentinel)
			}
			if !strings.HasPrefix(err.Error(), "json: ") {
				t.Errorf("error %q does not start with json:", err)
			}
			if len(out) != 3 || cap(out) != 8 || &out[0] != &dst[0] || string(out) != "abc" {
				t.Fatalf("dst changed to %q (cap %d)", out, cap(out))
			}
		})
	}
}

// TestAppendSize checks that the size the writer computes, and writes in
// the length field, is the size of the frame, whatever the message holds.
func TestAppendSize(t *testing.T) {
	m := msg(wire.TypeReply, 4294967295, awkward, "", awkward, "", "", awkward)
	m.Code, m.Error, m.Timeout, m.Codec, m.Filters = -2147483648, awkward, 1<<62, 255, []byte{9, 99, 255}
	for _, body := range []string{"", "x", "xy", "xyz", "[1]", awkward} {
		for _, codec := range []byte{0, codecJSON} {
			m.Body, m.Codec = []byte(body), codec
			b := encode(t, 0, m)
			if got := binary.BigEndian.Uint32(b); int(got) != len(b)-lenSize {
				t.Fatalf("body %q codec %d: length field %d, frame %d", body, codec, got, len(b))
			}
		}
	}
}

func TestReadRefusesLargeFrame(t *testing.T) {
	const limit = 1 << 10
	big := func(ty wire.Type, seq uint32) []byte {
		m := msg(ty, seq, "/big", string(make([]byte, limit)))
		return encode(t, 4*limit, m)
	}
	pad := strings.Repeat(" ", limit)
	tests := []struct {
		name    string
		limit   int
		frame   []byte
		wantTy  wire.Type
		wantSeq uint32
	}{
		{"call", limit, big(wire.TypeCall, 7), wire.TypeCall, 7},
		{"push", limit, big(wire.TypePush, 0), wire.TypePush, 0},
		{"reply", limit, big(wire.TypeReply, 1<<31), wire.TypeReply, 1 << 31},
		{"one byte over", limit, frame(`{"v":1,"type":1,"seq":3,"x":"` + pad[:limit-lenSize-31+1] + `"}`), wire.TypeCall, 3},
		{"spaces between members", limit, frame(`{ "v" : 1 ,` + "\n" + `"type": 2, "seq":	4` + pad + `}`), wire.TypeReply, 4},
		{"members in another order", limit, frame(`{"seq":5,"type":1,"v":1` + pad + `}`), wire.TypeCall, 5},
		{"header after a string", limit, frame(`{"v":1,"method":"/m","type":1,"seq":5` + pad + `}`), 0, 0},
		{"seq cut by the peek", limit, frame(`{"v":1,"type":1,"x":1234567890123456789012345678901,"seq":123456789` + pad + `}`), wire.TypeCall, 0},
		{"invalid type", limit, frame(`{"v":1,"type":9,"seq":5` + pad + `}`), 0, 5},
		{"unknown version", limit, frame(`{"v":2,"type":1,"seq":5` + pad + `}`), 0, 0},
		{"no version", limit, frame(`{"type":1,"seq":5` + pad + `}`), 0, 0},
		{"not json", limit, frame(pad + pad), 0, 0},
		{"shorter than the peek", 8, frame(`{"v":1,"type":1,"seq":5}`), wire.TypeCall, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := msg(wire.TypeCall, 99, "/next", "ok", "k", "v")
			nextFrame := encode(t, 0, next)
			stream := append(slices.Clone(tt.frame), nextFrame...)
			f := newReadFramer(bytes.NewReader(stream), tt.limit)
			var m wire.Message
			err := f.ReadMessage(&m)
			me := asMessageError(t, err, wire.ErrTooLarge)
			if me.Type != tt.wantTy || me.Seq != tt.wantSeq {
				t.Fatalf("MessageError %v seq %d, want %v seq %d", me.Type, me.Seq, tt.wantTy, tt.wantSeq)
			}
			if !strings.HasPrefix(err.Error(), "json: ") {
				t.Errorf("error %q does not start with json:", err)
			}
			m.Reset()
			err = f.ReadMessage(&m)
			if len(nextFrame) > tt.limit {
				// No frame fits: the next one must be refused as a whole too.
				me := asMessageError(t, err, wire.ErrTooLarge)
				if me.Type != next.Type || me.Seq != next.Seq {
					t.Fatalf("next frame refused as %v seq %d", me.Type, me.Seq)
				}
			} else {
				if err != nil {
					t.Fatalf("ReadMessage after the refused frame: %v", err)
				}
				if d := diffMessage(&m, next); d != "" {
					t.Fatalf("frame after the refused one: %s", d)
				}
			}
			m.Reset()
			if err := f.ReadMessage(&m); err != io.EOF {
				t.Fatalf("ReadMessage at the end: %v, want io.EOF", err)
			}
		})
	}
}

// TestReadRefusesWithSmallBuffer checks that a refused frame is skipped
// with a bufio.Reader smaller than the bytes searched for the header.
func TestReadRefusesWithSmallBuffer(t *testing.T) {
	big := encode(t, 0, msg(wire.TypeCall, 7, "/big", strings.Repeat("x", 100)))
	next := encode(t, 0, msg(wire.TypeCall, 8, "/next", ""))
	r := bufio.NewReaderSize(bytes.NewReader(slices.Concat(big, next)), 16)
	f := Format{}.NewFramer(r, wire.Options{MaxMessageSize: 64})
	var m wire.Message
	me := asMessageError(t, f.ReadMessage(&m), wire.ErrTooLarge)
	if me.Type != wire.TypeCall || me.Seq != 0 {
		// 16 bytes hold `{"v":1,"type":1,` but not the seq.
		t.Fatalf("MessageError %v seq %d, want CALL seq 0", me.Type, me.Seq)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != nil || m.Seq != 8 {
		t.Fatalf("next frame: seq %d, err %v", m.Seq, err)
	}
	m.Release()
}

// TestReadRefusesHugeFrame checks that a frame claiming 1 GiB costs no
// memory near that, whether its bytes arrive or the stream ends.
func TestReadRefusesHugeFrame(t *testing.T) {
	const claimed = 1 << 30 // frame size, length field included
	header := frame(`{"v":1,"type":1,"seq":1234,"body64":"`)
	binary.BigEndian.PutUint32(header, claimed-lenSize)
	next := encode(t, 0, msg(wire.TypeCall, 1235, "/next", "ok"))

	tests := []struct {
		name    string
		stream  io.Reader
		wantErr error // nil: a MessageError, then next
	}{
		{"bytes arrive", io.MultiReader(bytes.NewReader(header), &fillReader{n: claimed - int64(len(header))}, bytes.NewReader(next)), nil},
		{"stream ends", io.MultiReader(bytes.NewReader(header), bytes.NewReader([]byte("a few bytes"))), io.ErrUnexpectedEOF},
		{"stream ends in the header", bytes.NewReader(header[:12]), io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Format{}.NewFramer(bufio.NewReaderSize(tt.stream, 64<<10), wire.Options{})
			var m wire.Message
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := f.ReadMessage(&m)
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Errorf("refusing the frame allocated %d bytes", grew)
			}
			if tt.wantErr != nil {
				if err != tt.wantErr {
					t.Fatalf("ReadMessage: %v, want %v", err, tt.wantErr)
				}
				return
			}
			me := asMessageError(t, err, wire.ErrTooLarge)
			if me.Type != wire.TypeCall || me.Seq != 1234 {
				t.Fatalf("MessageError %v seq %d, want CALL seq 1234", me.Type, me.Seq)
			}
			m.Reset()
			if err := f.ReadMessage(&m); err != nil || m.Seq != 1235 {
				t.Fatalf("next frame: seq %d, err %v", m.Seq, err)
			}
			m.Release()
		})
	}
}

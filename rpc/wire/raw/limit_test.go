package raw

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"slices"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestAppendRefuses(t *testing.T) {
	const limit = 1 << 10
	atLimit := msg(wire.TypeCall, 1, "/m", "")
	atLimit.Body = make([]byte, limit-len(encode(t, limit, atLimit)))
	overLimit := msg(wire.TypeCall, 1, "/m", "")
	overLimit.Body = make([]byte, len(atLimit.Body)+1)

	tests := []struct {
		name     string
		limit    int
		m        *wire.Message
		sentinel error // nil: the message fits
	}{
		{"exactly at limit", limit, atLimit, nil},
		{"one byte over", limit, overLimit, wire.ErrTooLarge},
		{"metadata over", limit, msg(wire.TypeCall, 1, "/m", "", "k", string(make([]byte, limit))), wire.ErrTooLarge},
		{"status over", limit, &wire.Message{Type: wire.TypeReply, Code: 1, Error: string(make([]byte, limit))}, wire.ErrTooLarge},
		{"method over", limit, msg(wire.TypeCall, 1, string(make([]byte, limit)), ""), wire.ErrTooLarge},
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
			if len(out) != 3 || cap(out) != 8 || &out[0] != &dst[0] || string(out) != "abc" {
				t.Fatalf("dst changed to %q (cap %d)", out, cap(out))
			}
		})
	}
}

func TestReadRefusesLargeFrame(t *testing.T) {
	const limit = 1 << 10
	big := func(ty wire.Type, seq uint32) []byte {
		m := msg(ty, seq, "/big", string(make([]byte, limit)))
		return encode(t, 4*limit, m)
	}
	withHeader := func(ty, version byte, seq uint32, n int) []byte {
		f := rawFrame([]byte{version, ty, 0, 0}, binary.BigEndian.AppendUint32(nil, seq), make([]byte, n))
		return f
	}
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
		{"one byte over", limit, withHeader(byte(wire.TypeCall), Version, 3, limit-lenSize-headerSize+1), wire.TypeCall, 3},
		{"invalid type", limit, withHeader(9, Version, 5, limit), 0, 5},
		{"unknown version", limit, withHeader(byte(wire.TypeCall), 2, 5, limit), 0, 0},
		{"too short for a header", 8, rawFrame([]byte{1, 1, 0, 0, 0, 0, 0}), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := msg(wire.TypeCall, 99, "/next", "ok", "k", "v")
			nextFrame := encode(t, 0, next)
			stream := append(slices.Clone(tt.frame), nextFrame...)
			f := newReadFramer(bytes.NewReader(stream), tt.limit)
			var m wire.Message
			me := asMessageError(t, f.ReadMessage(&m), wire.ErrTooLarge)
			if me.Type != tt.wantTy || me.Seq != tt.wantSeq {
				t.Fatalf("MessageError %v seq %d, want %v seq %d", me.Type, me.Seq, tt.wantTy, tt.wantSeq)
			}
			m.Reset()
			err := f.ReadMessage(&m)
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

// TestReadRefusesHugeFrame checks that a frame claiming 1 GiB costs no
// memory near that, whether its bytes arrive or the stream ends.
func TestReadRefusesHugeFrame(t *testing.T) {
	const claimed = 1 << 30 // frame size, length field included
	header := rawFrame(hdr(wire.TypeCall, 0, 'j', 1234))
	binary.BigEndian.PutUint32(header, claimed-lenSize)
	next := encode(t, 0, msg(wire.TypeCall, 1235, "/next", "ok"))

	tests := []struct {
		name    string
		stream  io.Reader
		wantErr error // nil: a MessageError, then next
	}{
		{"bytes arrive", io.MultiReader(bytes.NewReader(header), &fillReader{n: claimed - int64(len(header))}, bytes.NewReader(next)), nil},
		{"stream ends", io.MultiReader(bytes.NewReader(header), bytes.NewReader([]byte("a few bytes"))), io.ErrUnexpectedEOF},
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

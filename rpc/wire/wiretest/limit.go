package wiretest

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
	"testing/iotest"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// limit is the size limit of the suite's tests of the limit.
const limit = 1 << 10

// skipFactor is how many times the limit a frame refused for its size may
// be and still be skipped, the stream kept in step (see wire.FrameReader);
// a larger one closes the stream.
const skipFactor = 16

// testAppendRefuses checks that the writer refuses a message over the
// limit, and one the format cannot carry, leaving dst as it was, and
// writes one exactly as large as the limit allows.
func (s *suite) testAppendRefuses(t *testing.T) {
	atLimit := NewMessage(wire.TypeCall, 1, "/m", "")
	atLimit.Codec = 'p'
	if n := FitBody(t, s.f, limit, atLimit, binaryBody); n < limit-3 {
		t.Fatalf("the largest frame that fits is %d bytes, limit %d", n, limit)
	}
	overLimit := NewMessage(wire.TypeCall, 1, "/m", "")
	overLimit.Codec, overLimit.Body = 'p', binaryBody(len(atLimit.Body)+1)
	// The writer refused overLimit at the limit: it must really be over.
	if n := len(Encode(t, s.f, 2*limit, overLimit)); n <= limit {
		t.Fatalf("a frame of %d bytes was refused at a limit of %d", n, limit)
	}

	tests := []struct {
		name     string
		limit    int
		m        *wire.Message
		sentinel error // nil: the message fits
	}{
		{"as large as fits", limit, atLimit, nil},
		{"one byte more", limit, overLimit, wire.ErrTooLarge},
		{"metadata over", limit, NewMessage(wire.TypeCall, 1, "/m", "", "k", strings.Repeat("v", limit)), wire.ErrTooLarge},
		{"many small pairs over", limit, NewMessage(wire.TypeCall, 1, "/m", "", slices.Repeat([]string{"", ""}, limit/2)...), wire.ErrTooLarge},
		{"status over", limit, &wire.Message{Type: wire.TypeReply, Code: 1, Error: strings.Repeat("e", limit)}, wire.ErrTooLarge},
		{"method over", limit, NewMessage(wire.TypeCall, 1, strings.Repeat("m", limit), ""), wire.ErrTooLarge},
		{"default limit", 0, &wire.Message{Type: wire.TypePush, Body: make([]byte, wire.DefaultMaxMessageSize)}, wire.ErrTooLarge},
		{"256 filters", limit, &wire.Message{Type: wire.TypeCall, Filters: bytes.Repeat([]byte{1}, 256)}, wire.ErrMalformed},
		{"zero filter id", limit, &wire.Message{Type: wire.TypeCall, Filters: []byte{1, 0}}, wire.ErrMalformed},
		{"type 0", limit, &wire.Message{}, wire.ErrMalformed},
		{"type 7", limit, &wire.Message{Type: 7}, wire.ErrMalformed},
	}
	for _, c := range s.o.TooLarge {
		tests = append(tests, struct {
			name     string
			limit    int
			m        *wire.Message
			sentinel error
		}{c.Name, limit, c.M, wire.ErrTooLarge})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.f.NewFramer(nil, wire.Options{MaxMessageSize: tt.limit})
			dst := make([]byte, 3, 8)
			copy(dst, "abc")
			out, err := w.AppendMessage(dst, tt.m)
			if tt.sentinel == nil {
				if err != nil {
					t.Fatalf("AppendMessage: %v", err)
				}
				if n := len(out) - 3; n > limit || n < limit-3 {
					t.Fatalf("frame is %d bytes, limit %d", n, limit)
				}
				return
			}
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("AppendMessage error %v, want one wrapping %v", err, tt.sentinel)
			}
			s.checkError(t, err)
			if len(out) != 3 || cap(out) != 8 || &out[0] != &dst[0] || string(out) != "abc" {
				t.Fatalf("dst changed to %q (cap %d)", out, cap(out))
			}
		})
	}
}

// testAppendSize checks that the size the writer computes, and writes in
// the length field, is the size of the frame, across the sizes at which
// a length grows by a byte and with every field set.
func (s *suite) testAppendSize(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384} {
		for _, body := range []string{"", "x", "xy", "xyz", "[1]", awkward, strings.Repeat("b", n)} {
			for _, codec := range []byte{0, 'j', 255} {
				m := NewMessage(wire.TypeReply, 1<<31, strings.Repeat("m", n)+awkward, body, strings.Repeat("k", n), strings.Repeat("v", n), "", "", awkward, "")
				m.Code, m.Error, m.Timeout, m.Codec, m.Filters = -2147483648, strings.Repeat("e", n)+awkward, 1<<62, codec, []byte{9, 99, 255}
				s.checkFrame(t, Encode(t, s.f, 1<<20, m))
			}
		}
	}
}

// next is the frame after a refused one, which must be read as it is
// unless the limit refuses it too.
func next() *wire.Message {
	m := NewMessage(wire.TypeCall, 99, "/next", "ok", "k", "v")
	m.Filters = []byte{1}
	return m
}

// readOn reads on after a frame refused with me: the next frame, unless
// me said the stream is out of step, then io.EOF. When the next frame is
// over the limit lim too, it must be refused with its type and seq, unless
// the reader's buffer is small (they may then be out of its sight).
func (s *suite) readOn(t *testing.T, r wire.Framer, me *wire.MessageError, lim int, smallBuf bool) {
	t.Helper()
	if me.Close {
		return
	}
	want := next()
	var m wire.Message
	defer m.Release()
	err := r.ReadMessage(&m)
	if frame := Encode(t, s.f, 0, want); len(frame) > (wire.Options{MaxMessageSize: lim}).Limit() {
		// No frame fits: the next one must be refused as a whole too.
		me := AsMessageError(t, err, wire.ErrTooLarge)
		ty, seq := me.Type, me.Seq
		if smallBuf && ty == 0 {
			ty = want.Type
		}
		if smallBuf && seq == 0 {
			seq = want.Seq
		}
		if ty != want.Type || seq != want.Seq {
			t.Fatalf("next frame refused as %v seq %d, want %v seq %d", me.Type, me.Seq, want.Type, want.Seq)
		}
	} else {
		if err != nil {
			t.Fatalf("ReadMessage after the refused frame: %v", err)
		}
		if d := s.o.Diff(&m, want); d != "" {
			t.Fatalf("frame after the refused one: %s", d)
		}
	}
	m.Reset()
	if err := r.ReadMessage(&m); err != io.EOF {
		t.Fatalf("ReadMessage at the end: %v, want io.EOF", err)
	}
}

// testReadRefusesLargeFrame checks that a frame over the limit is refused
// with its type and seq, and skipped.
func (s *suite) testReadRefusesLargeFrame(t *testing.T) {
	big := func(ty wire.Type, seq uint32) []byte {
		return Encode(t, s.f, 4*limit, NewMessage(ty, seq, "/big", strings.Repeat("x", limit)))
	}
	atLimit := NewMessage(wire.TypeCall, 3, "/m", "")
	atLimit.Codec = 'p'
	FitBody(t, s.f, limit, atLimit, binaryBody)
	atLimit.Body = binaryBody(len(atLimit.Body) + 1)
	tests := []struct {
		name    string
		frame   []byte
		wantTy  wire.Type
		wantSeq uint32
	}{
		{"call", big(wire.TypeCall, 7), wire.TypeCall, 7},
		{"push", big(wire.TypePush, 0), wire.TypePush, 0},
		{"reply", big(wire.TypeReply, 1<<31), wire.TypeReply, 1 << 31},
		{"one byte over", Encode(t, s.f, 2*limit, atLimit), wire.TypeCall, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(s.f, bytes.NewReader(slices.Concat(tt.frame, Encode(t, s.f, 0, next()))), limit)
			var m wire.Message
			err := r.ReadMessage(&m)
			me := AsMessageError(t, err, wire.ErrTooLarge)
			if me.Type != tt.wantTy || me.Seq != tt.wantSeq {
				t.Fatalf("MessageError %v seq %d, want %v seq %d", me.Type, me.Seq, tt.wantTy, tt.wantSeq)
			}
			s.checkError(t, err)
			m.Reset()
			s.readOn(t, r, me, limit, false)
		})
	}
}

// testReadRefusesWithSmallBuffer checks that a refused frame is skipped
// with a bufio.Reader smaller than the bytes the format searches for the
// type and seq, which it reports only if it found them in what it saw.
func (s *suite) testReadRefusesWithSmallBuffer(t *testing.T) {
	big := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 7, "/big", strings.Repeat("x", 100)))
	after := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 8, "/next", ""))
	r := s.f.NewFramer(bufio.NewReaderSize(bytes.NewReader(slices.Concat(big, after)), 16), wire.Options{MaxMessageSize: 64})
	var m wire.Message
	me := AsMessageError(t, r.ReadMessage(&m), wire.ErrTooLarge)
	if me.Type != 0 && me.Type != wire.TypeCall || me.Seq != 0 && me.Seq != 7 {
		t.Fatalf("MessageError %v seq %d, want CALL seq 7 or what of it fits in 16 bytes", me.Type, me.Seq)
	}
	m.Reset()
	if err := r.ReadMessage(&m); err != nil || m.Seq != 8 {
		t.Fatalf("next frame: seq %d, err %v", m.Seq, err)
	}
	m.Release()
}

// testReadRefusesHugeFrame checks that a frame claiming 1 GiB, far over
// the limit, is refused as soon as its header is read, costing no memory
// near its size, and that the reader then discards the stream until it
// ends instead of looking for a next frame: the refusal has Close set.
// The end of the stream is io.ErrUnexpectedEOF inside the refused frame,
// io.EOF after it.
func (s *suite) testReadRefusesHugeFrame(t *testing.T) {
	const claimed = 1 << 30 // frame size, length field included
	header := Encode(t, s.f, 0, &wire.Message{Type: wire.TypeCall, Seq: 1234, Method: "/huge", Codec: 'j'})
	binary.BigEndian.PutUint32(header, claimed-wire.FrameLenSize)
	// The frame's first bytes: its header, then some of its body, enough
	// for any format to find the type and seq in.
	start := append(header, bytes.Repeat([]byte{'x'}, peekRoom)...)
	after := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1235, "/next", "ok"))

	tests := []struct {
		name   string
		stream io.Reader
		// refused is true when the frame is refused; want is the error
		// of the read after that, or of the first read.
		refused bool
		want    error
	}{
		{"bytes arrive", io.MultiReader(bytes.NewReader(start), filler(claimed-int64(len(start))), bytes.NewReader(after)), true, io.EOF},
		{"stream ends", io.MultiReader(bytes.NewReader(start), bytes.NewReader([]byte("a few bytes"))), true, io.ErrUnexpectedEOF},
		{"nothing follows", io.MultiReader(bytes.NewReader(start), iotest.ErrReader(errPastStart)), true, errPastStart},
		{"stream ends in the header", bytes.NewReader(header[:wire.FrameLenSize+3]), false, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			budget := wire.NewBudget(0)
			r := s.f.NewFramer(bufio.NewReaderSize(tt.stream, 64<<10), wire.Options{Budget: budget})
			var m wire.Message
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := r.ReadMessage(&m)
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Errorf("refusing the frame allocated %d bytes", grew)
			}
			if tt.refused {
				me := AsMessageError(t, err, wire.ErrTooLarge)
				if me.Type != wire.TypeCall || me.Seq != 1234 || !me.Close {
					t.Fatalf("MessageError %v seq %d close %v, want CALL seq 1234 and Close", me.Type, me.Seq, me.Close)
				}
				s.checkError(t, err)
				m.Reset()
				err = r.ReadMessage(&m)
			}
			if err != tt.want {
				t.Fatalf("ReadMessage: %v, want %v", err, tt.want)
			}
			m.Reset()
			if n := budget.Used(); n != 0 {
				t.Fatalf("%d bytes of the budget still reserved", n)
			}
		})
	}
}

// peekRoom is how many bytes of a frame a test gives the reader for it to
// find the type and seq of a frame it refuses: more than any format's
// FrameReader.HeaderLen.
const peekRoom = 512

// errPastStart is the error of a stream that has nothing after the start
// of a frame: a reader that must answer from that start fails with it if
// it waits for more.
var errPastStart = errors.New("read past the start of the frame")

// testReadRefusesBeforeSkipping checks that a frame over the limit is
// refused as soon as its first bytes are read, before the rest of it
// arrives, so that the peer is answered at once: the next read skips it.
func (s *suite) testReadRefusesBeforeSkipping(t *testing.T) {
	over := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 77, "/over", strings.Repeat("x", 4*limit)))
	if n := len(over); n <= limit+peekRoom || n > skipFactor*limit {
		t.Fatalf("the frame is %d bytes, want over the limit of %d by more than %d, and within %d times it", n, limit, peekRoom, skipFactor)
	}
	r := s.f.NewFramer(bufio.NewReader(io.MultiReader(bytes.NewReader(over[:peekRoom]), iotest.ErrReader(errPastStart))), wire.Options{MaxMessageSize: limit})
	var m wire.Message
	me := AsMessageError(t, r.ReadMessage(&m), wire.ErrTooLarge)
	if me.Type != wire.TypeCall || me.Seq != 77 || me.Close {
		t.Fatalf("MessageError %v seq %d close %v, want CALL seq 77, not closing", me.Type, me.Seq, me.Close)
	}
	m.Reset()
	if err := r.ReadMessage(&m); err != errPastStart {
		t.Fatalf("the read after the refusal: %v, want the stream's error (it skips the frame)", err)
	}
	m.Reset()
}

package wiretest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// testReadEndOfStream checks what the reader returns when the stream ends,
// or breaks, at a frame boundary (io.EOF, or the stream's error) and
// inside a frame (io.ErrUnexpectedEOF), whatever part of it was read. A
// frame refused from its length is refused first; the end of the stream
// comes with the next read. After a refusal that closes the stream, the
// reader reads no frame: the stream ends with io.EOF once past the
// refused frame.
func (s *suite) testReadEndOfStream(t *testing.T) {
	valid := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1, "/m", "body", "k", "v"))
	big := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1, "/m", strings.Repeat("x", 1500)))
	huge := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1, "/m", strings.Repeat("x", skipFactor*limit)))
	errBroken := errors.New("connection reset")
	tests := []struct {
		name   string
		stream io.Reader
		frames int // valid frames before the error
		// refused is the sentinel of the MessageError that comes before
		// the error, if one does; must says that one does.
		refused error
		must    bool
		want    error
	}{
		{"empty stream", bytes.NewReader(nil), 0, nil, false, io.EOF},
		{"after a frame", bytes.NewReader(valid), 1, nil, false, io.EOF},
		{"inside the length", bytes.NewReader(valid[:2]), 0, nil, false, io.ErrUnexpectedEOF},
		{"after the length", bytes.NewReader(valid[:4]), 0, nil, false, io.ErrUnexpectedEOF},
		{"inside the header", bytes.NewReader(valid[:7]), 0, nil, false, io.ErrUnexpectedEOF},
		{"before the last byte", bytes.NewReader(valid[:len(valid)-1]), 0, nil, false, io.ErrUnexpectedEOF},
		{"second frame cut", bytes.NewReader(append(valid, valid[:9]...)), 1, nil, false, io.ErrUnexpectedEOF},
		{"too large, header cut", bytes.NewReader(big[:8]), 0, nil, false, io.ErrUnexpectedEOF},
		{"too large, body cut", bytes.NewReader(big[:100]), 0, wire.ErrTooLarge, true, io.ErrUnexpectedEOF},
		{"far too large, body cut", bytes.NewReader(huge[:100]), 0, wire.ErrTooLarge, true, io.ErrUnexpectedEOF},
		{"far too large, then more", bytes.NewReader(append(huge, valid...)), 0, wire.ErrTooLarge, true, io.EOF},
		// A format whose frames may be 5 bytes long reads this one to its
		// cut; the others refuse it first.
		{"too short, cut", bytes.NewReader([]byte{0, 0, 0, 5, 1, 1}), 0, wire.ErrMalformed, false, io.ErrUnexpectedEOF},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(valid)), 1, nil, false, io.EOF},
		{"broken at a boundary", io.MultiReader(bytes.NewReader(valid), iotest.ErrReader(errBroken)), 1, nil, false, errBroken},
		{"broken inside", io.MultiReader(bytes.NewReader(valid[:10]), iotest.ErrReader(errBroken)), 0, nil, false, errBroken},
	}
	if n := len(big); n <= limit || n > skipFactor*limit {
		t.Fatalf("big is %d bytes, want over the limit of %d and within %d times it", n, limit, skipFactor)
	}
	if n := len(huge); n <= skipFactor*limit {
		t.Fatalf("huge is %d bytes, want over %d times the limit of %d", n, skipFactor, limit)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(s.f, tt.stream, limit) // smaller than big
			var m wire.Message
			for i := range tt.frames {
				m.Reset()
				if err := r.ReadMessage(&m); err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
			}
			m.Reset()
			err := r.ReadMessage(&m)
			var me *wire.MessageError
			if errors.As(err, &me) && tt.refused != nil {
				AsMessageError(t, err, tt.refused)
				m.Reset()
				err = r.ReadMessage(&m)
			} else if tt.must {
				t.Fatalf("ReadMessage: %v, want a MessageError wrapping %v", err, tt.refused)
			}
			if err != tt.want {
				t.Fatalf("ReadMessage: %v, want %v", err, tt.want)
			}
			m.Reset()
		})
	}
}

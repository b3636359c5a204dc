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
// inside a frame (io.ErrUnexpectedEOF), whatever part of it was read.
func (s *suite) testReadEndOfStream(t *testing.T) {
	valid := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1, "/m", "body", "k", "v"))
	big := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1, "/m", strings.Repeat("x", 2000)))
	errBroken := errors.New("connection reset")
	tests := []struct {
		name   string
		stream io.Reader
		frames int // valid frames before the error
		want   error
	}{
		{"empty stream", bytes.NewReader(nil), 0, io.EOF},
		{"after a frame", bytes.NewReader(valid), 1, io.EOF},
		{"inside the length", bytes.NewReader(valid[:2]), 0, io.ErrUnexpectedEOF},
		{"after the length", bytes.NewReader(valid[:4]), 0, io.ErrUnexpectedEOF},
		{"inside the header", bytes.NewReader(valid[:7]), 0, io.ErrUnexpectedEOF},
		{"before the last byte", bytes.NewReader(valid[:len(valid)-1]), 0, io.ErrUnexpectedEOF},
		{"second frame cut", bytes.NewReader(append(valid, valid[:9]...)), 1, io.ErrUnexpectedEOF},
		{"too large, header cut", bytes.NewReader(big[:8]), 0, io.ErrUnexpectedEOF},
		{"too large, body cut", bytes.NewReader(big[:100]), 0, io.ErrUnexpectedEOF},
		{"too short, cut", bytes.NewReader([]byte{0, 0, 0, 5, 1, 1}), 0, io.ErrUnexpectedEOF},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(valid)), 1, io.EOF},
		{"broken at a boundary", io.MultiReader(bytes.NewReader(valid), iotest.ErrReader(errBroken)), 1, errBroken},
		{"broken inside", io.MultiReader(bytes.NewReader(valid[:10]), iotest.ErrReader(errBroken)), 0, errBroken},
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
			if err := r.ReadMessage(&m); err != tt.want {
				t.Fatalf("ReadMessage: %v, want %v", err, tt.want)
			}
			m.Reset()
		})
	}
}

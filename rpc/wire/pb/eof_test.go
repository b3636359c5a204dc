package pb

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestReadEndOfStream(t *testing.T) {
	valid := encode(t, 0, msg(wire.TypeCall, 1, "/m", "body", "k", "v"))
	big := encode(t, 0, msg(wire.TypeCall, 1, "/m", strings.Repeat("x", 2000)))
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
		{"inside the message", bytes.NewReader(valid[:7]), 0, io.ErrUnexpectedEOF},
		{"inside the body", bytes.NewReader(valid[:len(valid)-1]), 0, io.ErrUnexpectedEOF},
		{"second frame cut", bytes.NewReader(append(valid, valid[:9]...)), 1, io.ErrUnexpectedEOF},
		{"too large, header cut", bytes.NewReader(big[:8]), 0, io.ErrUnexpectedEOF},
		{"too large, body cut", bytes.NewReader(big[:100]), 0, io.ErrUnexpectedEOF},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(valid)), 1, io.EOF},
		{"broken at a boundary", io.MultiReader(bytes.NewReader(valid), iotest.ErrReader(errBroken)), 1, errBroken},
		{"broken inside", io.MultiReader(bytes.NewReader(valid[:10]), iotest.ErrReader(errBroken)), 0, errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := 1 << 10 // smaller than big
			f := newReadFramer(tt.stream, limit)
			var m wire.Message
			for i := range tt.frames {
				m.Reset()
				if err := f.ReadMessage(&m); err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
			}
			m.Reset()
			if err := f.ReadMessage(&m); err != tt.want {
				t.Fatalf("ReadMessage: %v, want %v", err, tt.want)
			}
			m.Reset()
		})
	}
}

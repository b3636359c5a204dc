package wire

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
)

// TestFrameBuffered: FrameBuffered is true only when the next frame is
// whole in the reader's buffer, and false while a refused frame is still
// to be skipped.
func TestFrameBuffered(t *testing.T) {
	var in []byte
	in = append(in, 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e') // a whole frame
	in = append(in, 0, 0, 0, 200, 'x', 'y', 'z')         // a frame over the limit, begun
	fr := &FrameReader{R: bufio.NewReaderSize(bytes.NewReader(in), 64), Limit: 64, Name: "test", MinLen: 1}
	if fr.FrameBuffered() {
		t.Fatal("FrameBuffered before anything was read")
	}
	if _, err := fr.R.Peek(1); err != nil {
		t.Fatal(err)
	}
	if !fr.FrameBuffered() {
		t.Fatal("the whole first frame is buffered, FrameBuffered says no")
	}
	var m Message
	if b, err := fr.ReadFrame(&m); err != nil || string(b) != "abcde" {
		t.Fatalf("ReadFrame = %q, %v", b, err)
	}
	m.Reset()
	if fr.FrameBuffered() {
		t.Fatal("only 3 of the second frame's 200 bytes are buffered, FrameBuffered says yes")
	}
	if _, err := fr.ReadFrame(&m); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadFrame of the large frame = %v, want ErrTooLarge", err)
	}
	if fr.FrameBuffered() {
		t.Fatal("FrameBuffered while the refused frame is still to be skipped")
	}
}

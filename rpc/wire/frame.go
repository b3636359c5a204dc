package wire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// FrameLenSize is the size of the length field that starts a
// length-prefixed frame (see [FrameReader]).
const FrameLenSize = 4

// discardChunk bounds one bufio.Reader.Discard call so that the count fits
// in an int on every platform.
const discardChunk = 1 << 30

// FrameReader reads length-prefixed frames: each is a 4-byte big-endian
// length, then that many bytes of content laid out by the format. The raw,
// json and pb formats read their frames with it, and so can any format
// laid out the same way: its framer embeds a FrameReader whose Parse
// decodes the content, and so has the ReadMessage of a [Framer].
//
// ReadFrame checks a frame's length against the size limit before it
// allocates anything. A frame over the limit is skipped, its bytes
// discarded as they arrive, and reported as a *[MessageError] wrapping
// [ErrTooLarge] that names the frame's type and seq when Header finds
// them in its first bytes; a frame shorter than MinLen is skipped and
// reported as a *MessageError wrapping [ErrMalformed]. After either the
// stream is still in step.
//
// Set the fields before the first ReadFrame and do not change them after.
// A FrameReader is not safe for concurrent use.
type FrameReader struct {
	// R is the stream the frames are read from.
	R *bufio.Reader
	// Limit caps the size of a frame, length field included; zero or less
	// means DefaultMaxMessageSize. A framer sets it to [Options.Limit].
	Limit int
	// Name is the format's name ("raw"), which starts the text of the
	// errors.
	Name string
	// MinLen is the smallest length of content the format can parse.
	MinLen int
	// Header, when set, finds the type and seq of a frame refused for its
	// size in prefix, the frame's first bytes after the length field:
	// HeaderLen of them, or fewer when the frame or R's buffer is shorter.
	// It returns zero for what it cannot find (a type that is not valid
	// included). Nil: refused frames are reported without type and seq.
	Header func(prefix []byte) (Type, uint32)
	// HeaderLen is how many bytes of a refused frame Header is shown.
	HeaderLen int
	// Parse fills m, which the caller has Reset, from content, the frame
	// after its length field, for ReadMessage. Body may point into
	// content, which m holds. A frame that breaks the format gives a
	// *MessageError wrapping ErrMalformed, with the Type and Seq of its
	// header when they could be read.
	Parse func(m *Message, content []byte) error
}

// ReadMessage reads the next frame with ReadFrame and fills m from it with
// Parse: it is the ReadMessage of a [Framer]. After a *MessageError the
// stream is still in step.
func (fr *FrameReader) ReadMessage(m *Message) error {
	b, err := fr.ReadFrame(m)
	if err != nil {
		return err
	}
	return fr.Parse(m, b)
}

// ReadFrame reads the next frame's content, everything after its length
// field, into a buffer from the frame pool that m holds (see
// [Message.AllocBody]: the caller's Reset or Release gives it back, even
// after an error), and returns it; the format's parser then fills m from it,
// pointing Body into it. The content is never shorter than MinLen.
//
// io.EOF means the stream ended cleanly between frames; io.ErrUnexpectedEOF
// means it ended inside one. Any other error but a *MessageError is the
// stream's.
func (fr *FrameReader) ReadFrame(m *Message) ([]byte, error) {
	p, err := fr.R.Peek(FrameLenSize)
	if err != nil {
		if len(p) > 0 {
			return nil, unexpected(err)
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(p)
	fr.R.Discard(FrameLenSize) // the bytes are buffered: it cannot fail

	limit := Options{MaxMessageSize: fr.Limit}.Limit()
	if size := uint64(FrameLenSize) + uint64(n); size > uint64(limit) {
		return nil, fr.refuse(n, size, limit)
	}
	if int64(n) < int64(fr.MinLen) {
		if err := fr.discard(n); err != nil {
			return nil, err
		}
		return nil, &MessageError{Err: fmt.Errorf("%s: frame length %d is below the minimum %d: %w", fr.Name, n, fr.MinLen, ErrMalformed)}
	}
	buf := m.AllocBody(int(n)) // n < limit, so it fits in an int
	if _, err := io.ReadFull(fr.R, buf); err != nil {
		return nil, unexpected(err)
	}
	return buf, nil
}

// refuse skips a frame of n bytes after the length field, size bytes in
// all, that is over the limit, showing only its first bytes to Header.
func (fr *FrameReader) refuse(n uint32, size uint64, limit int) error {
	var t Type
	var seq uint32
	if fr.Header != nil {
		k := min(uint64(n), uint64(max(fr.HeaderLen, 0)), uint64(fr.R.Size()))
		b, err := fr.R.Peek(int(k))
		if err != nil {
			return unexpected(err)
		}
		t, seq = fr.Header(b)
		if !t.Valid() {
			t = 0
		}
	}
	if err := fr.discard(n); err != nil {
		return err
	}
	return &MessageError{
		Type: t,
		Seq:  seq,
		Err:  fmt.Errorf("%s: frame is %d bytes, limit %d: %w", fr.Name, size, limit, ErrTooLarge),
	}
}

// discard skips n bytes of the stream without storing them.
func (fr *FrameReader) discard(n uint32) error {
	for n > 0 {
		k := min(n, discardChunk)
		if _, err := fr.R.Discard(int(k)); err != nil {
			return unexpected(err)
		}
		n -= k
	}
	return nil
}

// unexpected turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

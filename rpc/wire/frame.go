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

// skipFactor bounds the frames over the limit that a [FrameReader] skips:
// one of up to skipFactor times the limit is skipped, a larger one ends
// the connection. Skipping costs the reader the time to receive the bytes,
// not memory; peers configured with different limits (a client of 1 MiB
// calling a server of 4 KiB) must stay connected, while a length of 2 GiB
// followed by nothing is no peer's honest frame.
const skipFactor = 16

// FrameReader reads length-prefixed frames: each is a 4-byte big-endian
// length, then that many bytes of content laid out by the format. The raw,
// json and pb formats read their frames with it, and so can any format
// laid out the same way: its framer embeds a FrameReader whose Parse
// decodes the content, and so has the ReadMessage of a [Framer].
//
// ReadFrame checks a frame's length against the size limit before it
// allocates anything. A frame over the limit is refused with a
// *[MessageError] wrapping [ErrTooLarge] that names the frame's type and
// seq when Header finds them in its first bytes. The refusal is returned
// as soon as those bytes are read, before the rest of the frame arrives,
// so that the peer is answered at once. A frame of up to 16 times the
// limit is then skipped by the next ReadFrame, its bytes discarded as they
// arrive, and the stream stays in step. A larger one is no honest peer's,
// and skipping it would cost the reader its whole length (up to 4 GiB):
// the MessageError has Close set, and every later ReadFrame discards the
// input until the stream ends, so that the caller answers and closes. A frame shorter than MinLen is refused as a
// *MessageError wrapping [ErrMalformed] and skipped the same way.
//
// When Budget is set, ReadFrame reserves each frame's size from it for m
// before it allocates the frame's buffer ([Message.Reserve]); the
// caller's Reset or Release of m gives the reservation back with the
// buffer. A frame over what the budget has left is refused like one over
// the limit, with a *MessageError wrapping [ErrOverBudget] with Code
// [CodeOverloaded], and skipped.
//
// Set the fields before the first ReadFrame and do not change them after.
// A FrameReader is not safe for concurrent use.
type FrameReader struct {
	// R is the stream the frames are read from.
	R *bufio.Reader
	// Limit caps the size of a frame, length field included; zero or less
	// means DefaultMaxMessageSize. A framer sets it to [Options.Limit].
	Limit int
	// Budget is the memory budget of the frames' buffers; nil means none.
	// A framer sets it to [Options.Budget].
	Budget *Budget
	// Name is the format's name ("raw"), which starts the text of the
	// errors.
	Name string
	// MinLen is the smallest length of content the format can parse.
	MinLen int
	// Header, when set, finds the type and seq of a refused frame in
	// prefix, the frame's first bytes after the length field: HeaderLen of
	// them, or fewer when the frame or R's buffer is shorter. It returns
	// zero for what it cannot find (a type that is not valid included).
	// Nil: refused frames are reported without type and seq.
	Header func(prefix []byte) (Type, uint32)
	// HeaderLen is how many bytes of a refused frame Header is shown.
	HeaderLen int
	// Parse fills m, which the caller has Reset, from content, the frame
	// after its length field, for ReadMessage. Body may point into
	// content, which m holds. A frame that breaks the format gives a
	// *MessageError wrapping ErrMalformed, with the Type and Seq of its
	// header when they could be read.
	Parse func(m *Message, content []byte) error

	skip    uint64 // bytes of a refused frame that the next ReadFrame discards
	discard bool   // a frame far over the limit came: then discard the input until it ends
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
// io.EOF means the stream ended cleanly between frames (or, after a
// MessageError with Close, after the refused frame); io.ErrUnexpectedEOF
// means it ended inside one. Any other error but a *MessageError is the
// stream's.
func (fr *FrameReader) ReadFrame(m *Message) ([]byte, error) {
	if err := fr.skipRefused(); err != nil {
		return nil, err
	}
	if fr.discard {
		return nil, fr.discardAll()
	}
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
		far := size > skipFactor*uint64(limit)
		return nil, fr.refuse(n, far, 0, fmt.Errorf("%s: frame is %d bytes, limit %d: %w", fr.Name, size, limit, ErrTooLarge))
	}
	if int64(n) < int64(fr.MinLen) {
		fr.skip = uint64(n)
		return nil, &MessageError{Err: fmt.Errorf("%s: frame length %d is below the minimum %d: %w", fr.Name, n, fr.MinLen, ErrMalformed)}
	}
	// n < limit, so it fits in an int.
	if err := m.Reserve(fr.Budget, int(n)); err != nil {
		return nil, fr.refuse(n, false, CodeOverloaded, fmt.Errorf("%s: frame of %d bytes: %w", fr.Name, FrameLenSize+uint64(n), err))
	}
	buf := m.AllocBody(int(n))
	if _, err := io.ReadFull(fr.R, buf); err != nil {
		return nil, unexpected(err)
	}
	return buf, nil
}

// FrameBuffered reports whether the next frame is whole in R's buffer, so
// that ReadFrame will return it without reading from the network. It
// makes FrameReader, and the framers that embed it, a [BufferedFramer].
func (fr *FrameReader) FrameBuffered() bool {
	if fr.skip > 0 || fr.discard {
		return false
	}
	b := fr.R.Buffered()
	if b < FrameLenSize {
		return false
	}
	p, _ := fr.R.Peek(FrameLenSize) // buffered: it cannot fail
	return uint64(b) >= FrameLenSize+uint64(binary.BigEndian.Uint32(p))
}

// refuse refuses a frame of n bytes after the length field with err and
// code, showing only its first bytes to Header. The next ReadFrame skips
// the frame, and when far is set, everything after it.
func (fr *FrameReader) refuse(n uint32, far bool, code int32, err error) error {
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
	fr.skip, fr.discard = uint64(n), far
	return &MessageError{Type: t, Seq: seq, Err: err, Code: code, Close: far}
}

// skipRefused discards what is left of the frame refused last.
func (fr *FrameReader) skipRefused() error {
	for fr.skip > 0 {
		k, err := fr.R.Discard(int(min(fr.skip, discardChunk)))
		fr.skip -= uint64(k)
		if err != nil {
			return unexpected(err)
		}
	}
	return nil
}

// discardAll discards the input until the stream ends, and returns the
// error that ended it.
func (fr *FrameReader) discardAll() error {
	for {
		if _, err := fr.R.Discard(discardChunk); err != nil {
			return err
		}
	}
}

// unexpected turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

package wire

import (
	"bufio"
	"errors"
	"fmt"
)

// DefaultMaxMessageSize is the frame size limit when Options leave it zero: 4 MiB.
const DefaultMaxMessageSize = 4 << 20

// The caps on the metadata of one frame when Options leave them zero. A
// decoded pair costs two string headers, 32 bytes, besides its keys and
// values, while it may take as little as two bytes of a frame: without a
// cap, a frame of 4 MiB holding two million empty pairs costs hundreds of
// MiB to decode. 100 pairs is as many as the header lines the http format
// reads in one head (as Apache's LimitRequestFields), and 64 KiB the size
// of that head, so that metadata that one format carries fits in every
// other.
const (
	DefaultMaxMetadataPairs = 100
	DefaultMaxMetadataBytes = 64 << 10
)

// Format is one way of laying messages on a byte stream: raw, json, http...
// A Format is stateless and safe for concurrent use; the per-connection
// state lives in the [Framer] it makes.
type Format interface {
	// Name is the format's lowercase name ("raw").
	Name() string
	// NewFramer returns the framer for one connection that reads from r.
	NewFramer(r *bufio.Reader, opts Options) Framer
}

// Options tune a [Framer].
type Options struct {
	// MaxMessageSize caps the size of one frame, header included, in both
	// directions. Zero means DefaultMaxMessageSize.
	MaxMessageSize int
	// MaxMetadataPairs caps the metadata pairs of one frame that a framer
	// reads, and MaxMetadataBytes the bytes of their keys and values, all
	// pairs together, as decoded. A frame over either is read whole, but
	// its pairs are not decoded: it is refused with a *MessageError
	// wrapping ErrTooLarge (status code 7), and the stream stays in step.
	// Writers do not check them. Zero or less means
	// DefaultMaxMetadataPairs and DefaultMaxMetadataBytes.
	MaxMetadataPairs int
	MaxMetadataBytes int
	// Budget, when set, is the memory budget the framer reserves each
	// frame's buffer from before it allocates it (see [Budget]); a frame
	// over what is left is refused with a *MessageError wrapping
	// ErrOverBudget. Nil means no budget.
	Budget *Budget
	// Client is true on the side that dialed. Formats whose requests and
	// responses differ on the wire (http) need it; the others ignore it.
	Client bool
}

// Limit returns the effective frame size limit.
func (o Options) Limit() int {
	if o.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return o.MaxMessageSize
}

// MetadataLimits returns the effective caps on the metadata of a frame.
func (o Options) MetadataLimits() MetadataLimits {
	l := MetadataLimits{Pairs: o.MaxMetadataPairs, Bytes: o.MaxMetadataBytes}
	if l.Pairs <= 0 {
		l.Pairs = DefaultMaxMetadataPairs
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultMaxMetadataBytes
	}
	return l
}

// Framer reads and writes the messages of one connection.
//
// ReadMessage is called by one goroutine at a time, AppendMessage by one
// goroutine at a time, in the order the frames go on the wire; the two may
// run concurrently.
type Framer interface {
	// ReadMessage reads the next message into m, which the caller has Reset.
	// It returns a *[MessageError] when it read a whole frame it cannot use
	// (too large, malformed inside): the stream is still in step and the
	// caller may answer it and read on. Any other error (io.EOF at a frame
	// boundary, a broken stream) ends the connection.
	ReadMessage(m *Message) error
	// AppendMessage appends m's frame to dst. A message over the size limit
	// gives an error wrapping [ErrTooLarge], one the format cannot carry an
	// error wrapping [ErrMalformed]; on any error dst is left as it was.
	AppendMessage(dst []byte, m *Message) ([]byte, error)
}

// Sniffer is implemented by formats that can recognise their own stream
// from its first bytes, so that one listener can serve several formats.
type Sniffer interface {
	// Sniff looks at the first bytes of a connection. It returns Yes or No
	// when it can tell, and NeedMore when it needs more bytes than given
	// (it is never given more than 16).
	Sniff(prefix []byte) SniffResult
}

// SniffResult is the answer of a Sniffer.
type SniffResult int

// The answers of a Sniffer.
const (
	No SniffResult = iota
	Yes
	NeedMore
)

// PushAcker is implemented by framers whose peers expect an answer to a
// push (HTTP answers every request). The rpc layer then sends, for each
// push it reads, a TypeReply with the push's Seq and no body as soon as the
// push is accepted for handling, or with a Code when it is refused.
type PushAcker interface {
	AcksPushes() bool
}

// InterimWriter is implemented by framers that must write bytes of their
// own between frames, in order with the frames queued, from the reading
// side: HTTP's interim 1xx responses ("100 Continue") and the answers to
// its control requests. The rpc layer calls SetInterim once, right after
// NewFramer and before the first ReadMessage, with a function that queues
// bytes for the wire after the frames already queued; it never blocks and
// may drop the bytes when the connection is closing. A framer that is
// never given one writes those bytes with the next frame instead, or not
// at all where they would come too late (see the format's documentation).
type InterimWriter interface {
	SetInterim(send func(b []byte))
}

// Sentinel errors of every format.
var (
	// ErrTooLarge reports a frame over the size limit.
	ErrTooLarge = errors.New("wire: message too large")
	// ErrMalformed reports bytes that do not follow the format.
	ErrMalformed = errors.New("wire: malformed message")
)

// MessageError reports a frame that cannot be used. Type and Seq are set
// when the frame's header was readable, so that a call can be answered with
// an error reply; Code, when set, is the status code to answer with (else
// it follows from Err: CodeTooLarge for ErrTooLarge, CodeBadMessage
// otherwise). Close is set when the stream is no longer in step (a request
// whose body was not read): the reader answers, then closes once the answer
// is written; until then it keeps calling ReadMessage, so the framer must
// discard what follows rather than fail.
type MessageError struct {
	Type  Type
	Seq   uint32
	Err   error // wraps ErrTooLarge or ErrMalformed
	Code  int32
	Close bool
}

func (e *MessageError) Error() string {
	if e.Type == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v (%v seq %d)", e.Err, e.Type, e.Seq)
}

func (e *MessageError) Unwrap() error { return e.Err }

package wiretest

import (
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Options describe what sets a format apart, for [Run]. Only Name and
// ReadAllocs are required.
type Options struct {
	// Name is what the format's Name method must return; the text of
	// every error the format makes starts with it and ": ".
	Name string
	// Text returns the string a reader gets for the string s that was
	// written: json writes U+FFFD for each byte of s that is not valid
	// UTF-8. Nil means strings arrive as they were written.
	Text func(s string) string
	// ReplyCodec is true when the format carries Message.ReplyCodec; when
	// false, a reader must leave it zero.
	ReplyCodec bool
	// CheckFrame, when set, checks every frame the writer makes, length
	// field included, beyond its length: pb's start with the version
	// field, json's hold one JSON object in UTF-8.
	CheckFrame func(frame []byte) error
	// RoundTrip lists messages the round trip sends beyond the suite's
	// own: those the format writes in a way of its own (json embeds a
	// body in the JSON codec).
	RoundTrip []Case
	// TooLarge lists messages that the writer must refuse for their size
	// at a limit of 1 KiB, beyond the suite's own: those the format makes
	// larger than they are (json escapes strings and writes base64).
	TooLarge []Case
	// Frames lists frames written by hand, in the format's layout: those
	// its reader must refuse, and those it accepts although its writer
	// never makes them.
	Frames []Frame
	// ReadAllocs pins the allocations of a read of each of the suite's
	// allocation messages, by name: "call", "call, binary body",
	// "reply", "call with metadata", "error reply with metadata". A read
	// may allocate less, which the test logs.
	ReadAllocs map[string]float64
	// PooledWriter is true when the writer takes scratch space from a
	// sync.Pool (json's does, through encoding/json.Valid): its
	// allocation pin is then skipped under the race detector.
	PooledWriter bool
}

// Case is a message with a name, for a sub-test.
type Case struct {
	Name string
	M    *wire.Message
}

// Frame is a frame written by hand, and what the reader must make of it:
// Want, or a *wire.MessageError wrapping Err. After the frame comes
// another, which must read as written unless the error said the stream is
// out of step (Close) or it is over Limit too.
type Frame struct {
	Name  string
	Frame []byte // the whole frame, length field included
	// Limit is the reader's size limit; zero means the default.
	Limit int
	// BufSize is the size of the reader's bufio.Reader; zero means the
	// bufio default.
	BufSize int
	// Want is the message the frame reads as, for a frame the reader
	// accepts.
	Want *wire.Message
	// Err is wire.ErrMalformed or wire.ErrTooLarge, for a frame the
	// reader refuses: the MessageError must name Type and Seq, its text
	// must contain Reason, and its Close must be Close.
	Err    error
	Type   wire.Type
	Seq    uint32
	Reason string
	Close  bool
}

// Run runs the suite over format f, each behaviour as a sub-test of a test
// named f.Name(). f must be a length-prefixed format: every frame starts
// with a 4-byte big-endian length of the rest (see [wire.FrameReader]).
func Run(t *testing.T, f wire.Format, o Options) {
	if got := f.Name(); got != o.Name {
		t.Fatalf("Name() = %q, want %q", got, o.Name)
	}
	s := &suite{f: f, o: o}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"RoundTrip", s.testRoundTrip},
		{"ReadReusesMessage", s.testReadReusesMessage},
		{"MethodInterned", s.testMethodInterned},
		{"BodyAliasesFrame", s.testBodyAliasesFrame},
		{"AppendRefuses", s.testAppendRefuses},
		{"AppendSize", s.testAppendSize},
		{"ReadRefusesLargeFrame", s.testReadRefusesLargeFrame},
		{"ReadRefusesWithSmallBuffer", s.testReadRefusesWithSmallBuffer},
		{"ReadRefusesHugeFrame", s.testReadRefusesHugeFrame},
		{"ReadRefusesBeforeSkipping", s.testReadRefusesBeforeSkipping},
		{"ReadBudget", s.testReadBudget},
		{"ReadMetadataCaps", s.testReadMetadataCaps},
		{"ReadMetadataCost", s.testReadMetadataCost},
		{"ReadEndOfStream", s.testReadEndOfStream},
		{"Frames", s.testFrames},
		{"AppendAllocations", s.testAppendAllocations},
		{"ReadAllocations", s.testReadAllocations},
	}
	t.Run(o.Name, func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, tc.fn)
		}
	})
}

// suite is the format under test.
type suite struct {
	f wire.Format
	o Options
}

// prefix is how the text of the format's errors starts.
func (s *suite) prefix() string { return s.o.Name + ": " }

// checkError fails the test unless err's text starts with the format's
// name.
func (s *suite) checkError(t testing.TB, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), s.prefix()) {
		t.Errorf("error %q does not start with %q", err, s.prefix())
	}
}

// checkFrame fails the test unless frame's length field is its size and
// frame passes o.CheckFrame.
func (s *suite) checkFrame(t testing.TB, frame []byte) {
	t.Helper()
	checkFrame(t, s.o, frame)
}

func checkFrame(t testing.TB, o Options, frame []byte) {
	t.Helper()
	if len(frame) < wire.FrameLenSize {
		t.Fatalf("frame %q is shorter than its length field", frame)
	}
	if n := uint32(frame[0])<<24 | uint32(frame[1])<<16 | uint32(frame[2])<<8 | uint32(frame[3]); int(n) != len(frame)-wire.FrameLenSize {
		t.Fatalf("length field %d, frame %d bytes after it", n, len(frame)-wire.FrameLenSize)
	}
	if o.CheckFrame != nil {
		if err := o.CheckFrame(frame); err != nil {
			t.Fatalf("frame %q: %v", frame, err)
		}
	}
}

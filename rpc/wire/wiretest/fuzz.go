package wiretest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// FuzzLimit is the size limit of the fuzz targets: it keeps the fuzzer's
// frames, and so its allocations, small.
const FuzzLimit = 1 << 16

// FuzzReads runs the fuzz target f, a format's FuzzReadMessage: it feeds
// arbitrary bytes to format's reader, each input checked by fuzzRead.
// The seeds are the format's own, beyond those every format starts from:
// frames of every message type and field, and streams that are empty, cut
// short, or of another protocol.
func FuzzReads(f *testing.F, format wire.Format, o Options, seeds ...[]byte) {
	addSeeds(f, format)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, format, o, data) })
}

// addSeeds adds to f the seeds every format's FuzzReadMessage starts from.
func addSeeds(f *testing.F, format wire.Format) {
	everything := NewMessage(wire.TypeCall, 7, "/svc/m", `{"a":[1,"x"]}`, "k", "v", "k2", "", "", "")
	everything.Timeout, everything.Codec, everything.Filters = 1500*time.Millisecond, 'j', []byte{1, 2}
	seeds := [][]*wire.Message{
		{NewMessage(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")},
		{&wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}},
		{&wire.Message{Type: wire.TypeReply, Seq: 2, Code: -5, Error: "bo\"om\\\n"}},
		{NewMessage(wire.TypePush, 0, "/events", "{}"), NewMessage(wire.TypeCancel, 3, "", "")},
		{&wire.Message{Type: wire.TypeGoAway, Code: 4, Error: "bad"}, NewMessage(wire.TypeGoAwayAck, 0, "", "")},
		{&wire.Message{Type: wire.TypePush, Codec: 'p', Body: []byte{0, 0xff, 0x80}}},
		{everything},
	}
	for _, s := range seeds {
		f.Add(Encode(f, format, FuzzLimit, s...))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 1, 0, 0, 0, 0, 0, 1})
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"add","id":1}`))
}

// fuzzRead checks one input of a format's FuzzReadMessage: it feeds data
// to ReadMessage until it fails. It must never panic nor fail with anything
// but a MessageError (after which it reads on), io.EOF or
// io.ErrUnexpectedEOF; every message it decodes must encode again, into a
// frame that passes o.CheckFrame, and decode to an equal message; and
// once a message is Reset, nothing of the budget is reserved.
func fuzzRead(t *testing.T, f wire.Format, o Options, data []byte) {
	budget := wire.NewBudget(0)
	r := f.NewFramer(bufio.NewReader(bytes.NewReader(data)), wire.Options{MaxMessageSize: FuzzLimit, Budget: budget})
	defer func() {
		if n := budget.Used(); n != 0 {
			t.Fatalf("%d bytes of the budget reserved after every message was Reset", n)
		}
	}()
	w := f.NewFramer(nil, wire.Options{MaxMessageSize: FuzzLimit})
	var m, again wire.Message
	defer m.Reset()
	defer again.Reset()
	// A decoded message is written as it was read: the reader has already
	// made its strings what a writer would make of them.
	same := o
	same.Text, same.ReplyCodec = nil, true
	for {
		m.Reset()
		err := r.ReadMessage(&m)
		if err != nil {
			var me *wire.MessageError
			if errors.As(err, &me) {
				if !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrTooLarge) {
					t.Fatalf("MessageError %v wraps neither sentinel", err)
				}
				if me.Type != 0 && !me.Type.Valid() {
					t.Fatalf("MessageError with invalid type %d", me.Type)
				}
				continue
			}
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				t.Fatalf("ReadMessage: unexpected error %v", err)
			}
			return
		}
		frame, err := w.AppendMessage(nil, &m)
		if err != nil {
			t.Fatalf("AppendMessage of a decoded message: %v", err)
		}
		checkFrame(t, o, frame)
		again.Reset()
		if err := NewReader(f, bytes.NewReader(frame), FuzzLimit).ReadMessage(&again); err != nil {
			t.Fatalf("reading the re-encoded frame %q: %v", frame, err)
		}
		if d := same.Diff(&again, &m); d != "" {
			t.Fatalf("re-encoded message: %s\nfirst  %+v\nsecond %+v", d, m, again)
		}
	}
}

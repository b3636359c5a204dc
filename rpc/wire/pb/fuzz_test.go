package pb

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// fuzzLimit keeps the fuzzer's frames, and so its allocations, small.
const fuzzLimit = 1 << 16

// FuzzReadMessage feeds arbitrary bytes to ReadMessage until it fails. It
// must never panic nor fail with anything but a MessageError (after which it
// reads on), io.EOF or io.ErrUnexpectedEOF; every message it decodes must
// encode again and decode to an equal message.
func FuzzReadMessage(f *testing.F) {
	everything := msg(wire.TypeCall, 7, "/svc/m", "body", "k", "v", "k2", "", "", "")
	everything.Timeout, everything.Codec, everything.Filters = 1500*time.Millisecond, 'j', []byte{1, 2}
	seeds := [][]*wire.Message{
		{msg(wire.TypeCall, 1, "/math/add", "[1,2,3]", "author", "liu")},
		{&wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}},
		{&wire.Message{Type: wire.TypeReply, Seq: 2, Code: -5, Error: "boom"}},
		{msg(wire.TypePush, 0, "/events", "{}"), msg(wire.TypeCancel, 3, "", "")},
		{&wire.Message{Type: wire.TypeGoAway, Code: 4, Error: "bad"}, msg(wire.TypeGoAwayAck, 0, "", "")},
		{everything},
	}
	for _, s := range seeds {
		f.Add(encode(f, fuzzLimit, s...))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x08, 0x01, 0x10, 0x01, 0x18, 0x01})
	f.Add(rawFrame(vf(fieldSeq, 5), vf(fieldType, 1), vf(fieldVersion, 1), pair("a", "b"), vf(20, 1), bf(fieldFilters, "\x00")))
	f.Add(rawFrame(hdr(wire.TypeReply, 1), vf(fieldCode, 1<<32), bf(fieldError, "e"), bf(fieldMeta, "\x0a\x09")))
	f.Add(rawFrame(hdr(wire.TypePush, 0), protowire.AppendTag(nil, 30, protowire.StartGroupType), vf(1, 1),
		protowire.AppendTag(nil, 30, protowire.EndGroupType), bf(fieldBody, "x"), vf(fieldTimeout, 1<<63)))
	f.Add(rawFrame(slices.Concat(hdr(wire.TypeCall, 9), []byte{0x80})))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		r := newReadFramer(bytes.NewReader(data), fuzzLimit)
		w := Format{}.NewFramer(nil, wire.Options{MaxMessageSize: fuzzLimit})
		var m, again wire.Message
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
				break
			}
			frame, err := w.AppendMessage(nil, &m)
			if err != nil {
				t.Fatalf("AppendMessage of a decoded message: %v", err)
			}
			if len(frame) > lenSize+2 && (frame[lenSize] != 0x08 || frame[lenSize+1] != Version) {
				t.Fatalf("re-encoded frame does not start with the version: % x", frame)
			}
			again.Reset()
			if err := newReadFramer(bytes.NewReader(frame), fuzzLimit).ReadMessage(&again); err != nil {
				t.Fatalf("reading the re-encoded frame % x: %v", frame, err)
			}
			if d := diffMessage(&again, &m); d != "" {
				t.Fatalf("re-encoded message: %s\nfirst  %+v\nsecond %+v", d, m, again)
			}
		}
		m.Reset()
		again.Reset()
	})
}

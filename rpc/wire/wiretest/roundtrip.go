package wiretest

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/dmicro-go/dmicro/internal/bufpool"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// RoundTripLimit is the size limit of the suite's round trip.
const RoundTripLimit = 64 << 10

// awkward holds what a format must escape, or cannot carry as it is:
// quotes and backslashes, control characters, non-ASCII letters, U+2028,
// a character outside the BMP, and bytes that are not valid UTF-8.
const awkward = "q\"uo\\te /slash\x00\x01\x1f\x7f\b\f\n\r\t é \u2028 \U0001F600 bad\xff\xfe end\xe2\x82"

// roundTripCases returns the messages of the round trip: every type and
// field, at their edges.
func roundTripCases(t testing.TB, f wire.Format) []Case {
	filters255 := make([]byte, 255)
	for i := range filters255 {
		filters255[i] = byte(i%255 + 1)
	}
	// nearLimit gets the largest body that fits in the limit.
	nearLimit := NewMessage(wire.TypeCall, 77, "/big/upload", "", "k", "v")
	nearLimit.Codec = 'p'
	if n := FitBody(t, f, RoundTripLimit, nearLimit, binaryBody); n < RoundTripLimit-3 {
		t.Fatalf("the largest frame that fits is %d bytes, limit %d", n, RoundTripLimit)
	}
	everything := func(codec byte, body string) *wire.Message {
		m := NewMessage(wire.TypeCall, math.MaxUint32, "/svc/everything", body, "a", "b", "c", "d")
		m.Timeout, m.Codec, m.Filters = 1500*time.Millisecond, codec, []byte{7, 9, 255}
		return m
	}
	return []Case{
		{"call minimal", NewMessage(wire.TypeCall, 1, "/a", "")},
		{"call empty method", NewMessage(wire.TypeCall, 2, "", "x")},
		{"call body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]")}},
		{"call binary body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: 'p', Body: []byte{0, 1, 2, 0xff, '"', '\\', 0x08, 0x01}}},
		{"call body without codec", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Body: []byte("x")}},
		{"call timeout whole us", &wire.Message{Type: wire.TypeCall, Seq: 4, Method: "/t", Timeout: 2 * time.Second}},
		{"call timeout rounded up", &wire.Message{Type: wire.TypeCall, Seq: 5, Method: "/t", Timeout: time.Nanosecond}},
		{"call timeout 1001ns", &wire.Message{Type: wire.TypeCall, Seq: 6, Method: "/t", Timeout: 1001}},
		{"call timeout expired", &wire.Message{Type: wire.TypeCall, Seq: 7, Method: "/t", Timeout: -time.Hour}},
		{"call timeout max", &wire.Message{Type: wire.TypeCall, Seq: 8, Method: "/t", Timeout: math.MaxInt64}},
		{"call meta", NewMessage(wire.TypeCall, 9, "/m", "b", "author", "liu", "empty", "", "", "empty key", "", "")},
		{"call repeated meta key", NewMessage(wire.TypeCall, 10, "/m", "", "k", "1", "k", "2")},
		{"call awkward strings", NewMessage(wire.TypeCall, 10, "/m/"+awkward, "", awkward, awkward, "k", awkward)},
		{"call filters", &wire.Message{Type: wire.TypeCall, Seq: 11, Method: "/f", Filters: []byte{1, 2, 3}, Body: []byte{0, 1, 2}}},
		{"call 255 filters", &wire.Message{Type: wire.TypeCall, Seq: 12, Method: "/f", Filters: filters255}},
		{"call everything", everything('j', `{"x":1}`)},
		{"call everything, codec 255", everything(255, "payload")},
		{"call with a reply codec", &wire.Message{Type: wire.TypeCall, Seq: 13, Method: "/m", ReplyCodec: 'p'}},
		{"call near limit", nearLimit},
		{"reply success", &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}},
		{"reply empty body", NewMessage(wire.TypeReply, 2, "", "")},
		{"reply error", &wire.Message{Type: wire.TypeReply, Seq: 3, Code: 5, Error: "not found"}},
		{"reply awkward error", &wire.Message{Type: wire.TypeReply, Seq: 3, Code: 5, Error: awkward}},
		{"reply negative code", &wire.Message{Type: wire.TypeReply, Seq: 4, Code: -1, Error: "x"}},
		{"reply min code", &wire.Message{Type: wire.TypeReply, Seq: 5, Code: math.MinInt32}},
		{"reply max code", &wire.Message{Type: wire.TypeReply, Seq: 6, Code: math.MaxInt32, Error: "big"}},
		{"reply error ignored without code", &wire.Message{Type: wire.TypeReply, Seq: 7, Error: "dropped"}},
		{"reply meta and error", func() *wire.Message {
			m := NewMessage(wire.TypeReply, 8, "", "partial", "retry-after", "3")
			m.Code, m.Error, m.Filters = 14, "unavailable", []byte{2}
			return m
		}()},
		{"push", NewMessage(wire.TypePush, 0, "/events/tick", "{}", "trace", "abc")},
		{"cancel", NewMessage(wire.TypeCancel, 42, "", "")},
		{"cancel with code", &wire.Message{Type: wire.TypeCancel, Seq: 43, Code: wire.CodeDeadlineExceeded}},
		{"goaway", NewMessage(wire.TypeGoAway, 0, "", "")},
		{"goaway with code", &wire.Message{Type: wire.TypeGoAway, Code: 9, Error: "protocol error"}},
		{"goaway ack", NewMessage(wire.TypeGoAwayAck, 0, "", "")},
	}
}

// testRoundTrip sends every message through one stream, in order, and
// reads each back, then io.EOF.
func (s *suite) testRoundTrip(t *testing.T) {
	cases := append(roundTripCases(t, s.f), s.o.RoundTrip...)
	w := s.f.NewFramer(nil, wire.Options{MaxMessageSize: RoundTripLimit})
	var stream []byte
	for _, c := range cases {
		frame, err := w.AppendMessage(nil, c.M)
		if err != nil {
			t.Fatalf("%s: AppendMessage: %v", c.Name, err)
		}
		s.checkFrame(t, frame)
		stream = append(stream, frame...)
	}
	r := NewReader(s.f, bytes.NewReader(stream), RoundTripLimit)
	var got wire.Message
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			got.Reset()
			if err := r.ReadMessage(&got); err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			if d := s.o.Diff(&got, c.M); d != "" {
				t.Fatalf("%s\ngot  %+v\nwant %+v", d, got, *c.M)
			}
		})
	}
	got.Reset()
	if err := r.ReadMessage(&got); err != io.EOF {
		t.Fatalf("ReadMessage after the last frame: %v, want io.EOF", err)
	}
}

// CheckRoundTrip writes m with format f at the given limit and reads it
// back: the frame must pass the checks of the suite's round trip, and the
// message must arrive as [Options.Diff] says. A message too large for the
// limit is skipped. It is the body of a fuzz target that makes messages of
// arbitrary fields.
func CheckRoundTrip(t testing.TB, f wire.Format, o Options, limit int, m *wire.Message) {
	t.Helper()
	frame, err := f.NewFramer(nil, wire.Options{MaxMessageSize: limit}).AppendMessage(nil, m)
	if errors.Is(err, wire.ErrTooLarge) {
		return
	}
	if err != nil {
		t.Fatalf("AppendMessage: %v", err)
	}
	checkFrame(t, o, frame)
	var got wire.Message
	defer got.Release()
	if err := NewReader(f, bytes.NewReader(frame), limit).ReadMessage(&got); err != nil {
		t.Fatalf("reading %q: %v", frame, err)
	}
	if d := o.Diff(&got, m); d != "" {
		t.Fatalf("%s\nframe %q\ngot  %+v\nwant %+v", d, frame, got, *m)
	}
}

// testReadReusesMessage checks that reading into a Reset message leaves
// nothing of the previous one behind.
func (s *suite) testReadReusesMessage(t *testing.T) {
	first := NewMessage(wire.TypeCall, 1, "/a", "body", "k", "v")
	first.Timeout, first.Code, first.Error, first.Filters = time.Second, 3, "e", []byte{1}
	second := NewMessage(wire.TypeReply, 2, "", "")
	r := NewReader(s.f, bytes.NewReader(Encode(t, s.f, 0, first, second)), 0)
	var m wire.Message
	for _, want := range []*wire.Message{first, second} {
		m.Reset()
		if err := r.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		if d := s.o.Diff(&m, want); d != "" {
			t.Fatalf("%v: %s", want.Type, d)
		}
	}
	if m.Body != nil {
		t.Fatalf("empty body is %q, want nil", m.Body)
	}
	m.Release()
}

// testMethodInterned checks that a method read again is the same string,
// and that a reader reads on past as many methods as a cache would hold.
func (s *suite) testMethodInterned(t *testing.T) {
	var frames []*wire.Message
	for range 2 {
		frames = append(frames, NewMessage(wire.TypeCall, 1, "/same", ""))
	}
	for i := range 300 {
		frames = append(frames, NewMessage(wire.TypeCall, uint32(i), "/m/"+strconv.Itoa(i), ""))
	}
	frames = append(frames, NewMessage(wire.TypeCall, 1, "/"+strings.Repeat("x", 300), ""))
	r := NewReader(s.f, bytes.NewReader(Encode(t, s.f, 0, frames...)), 0)
	var m wire.Message
	var methods []string
	for _, want := range frames {
		m.Reset()
		if err := r.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		if m.Method != want.Method {
			t.Fatalf("method %q, want %q", m.Method, want.Method)
		}
		methods = append(methods, m.Method)
	}
	if unsafe.StringData(methods[0]) != unsafe.StringData(methods[1]) {
		t.Errorf("a repeated method was not interned")
	}
}

// testBodyAliasesFrame checks that the body is not copied out of the
// frame: it points into the pooled buffer the message holds, which
// Release gives back, and has no capacity past its end.
func (s *suite) testBodyAliasesFrame(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	frame := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1, "/m", "body"))
	r := NewReader(s.f, bytes.NewReader(frame), 0)
	var m wire.Message
	if err := r.ReadMessage(&m); err != nil {
		t.Fatal(err)
	}
	if cap(m.Body) != len(m.Body) {
		t.Errorf("body has capacity %d past its %d bytes: an append would write into the frame", cap(m.Body), len(m.Body))
	}
	body := uintptr(unsafe.Pointer(unsafe.SliceData(m.Body)))
	m.Release()
	if m.Body != nil {
		t.Fatal("Release left the body")
	}
	buf := bufpool.Get(len(frame) - wire.FrameLenSize) // the buffer Release gave back
	defer bufpool.Put(buf)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(*buf)))
	if body < start || body >= start+uintptr(cap(*buf)) {
		t.Fatal("the body does not point into the frame buffer")
	}
}

package pb

import (
	"bytes"
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

func TestFormatName(t *testing.T) {
	if got := (Format{}).Name(); got != "pb" {
		t.Fatalf("Name() = %q, want %q", got, "pb")
	}
}

// binaryText holds bytes that are not UTF-8 and every control character
// class: the format carries strings as bytes, unchanged.
const binaryText = "q\"uo\\te \x00\x01\x1f\x7f\n é \U0001F600 bad\xff\xfe end\xe2\x82"

func TestRoundTrip(t *testing.T) {
	const limit = 64 << 10

	filters255 := make([]byte, 255)
	for i := range filters255 {
		filters255[i] = byte(i%255 + 1)
	}
	// nearLimit gets a body that makes its frame exactly limit bytes. Its
	// body field's length takes three bytes.
	nearLimit := msg(wire.TypeCall, 77, "/big/upload", "", "k", "v")
	nearLimit.Codec = 'p'
	nearLimit.Body = bytes.Repeat([]byte{0xab}, limit-len(encode(t, limit, nearLimit))-1-3)

	tests := []struct {
		name string
		m    *wire.Message
	}{
		{"call minimal", msg(wire.TypeCall, 1, "/a", "")},
		{"call empty method", msg(wire.TypeCall, 2, "", "x")},
		{"call body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/math/add", Codec: 'j', Body: []byte("[1,2,3]")}},
		{"call binary body", &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/m", Codec: 'p', Body: []byte{0, 1, 2, 0xff, 0x08, 0x01}}},
		{"call timeout whole us", &wire.Message{Type: wire.TypeCall, Seq: 4, Method: "/t", Timeout: 2 * time.Second}},
		{"call timeout rounded up", &wire.Message{Type: wire.TypeCall, Seq: 5, Method: "/t", Timeout: time.Nanosecond}},
		{"call timeout 1001ns", &wire.Message{Type: wire.TypeCall, Seq: 6, Method: "/t", Timeout: 1001}},
		{"call timeout expired", &wire.Message{Type: wire.TypeCall, Seq: 7, Method: "/t", Timeout: -time.Hour}},
		{"call timeout max", &wire.Message{Type: wire.TypeCall, Seq: 8, Method: "/t", Timeout: math.MaxInt64}},
		{"call meta", msg(wire.TypeCall, 9, "/m", "b", "author", "liu", "empty", "", "", "empty key", "", "")},
		{"call repeated meta key", msg(wire.TypeCall, 10, "/m", "", "k", "1", "k", "2")},
		{"call binary strings", msg(wire.TypeCall, 10, "/m/"+binaryText, "", binaryText, binaryText, "k", binaryText)},
		{"call filters", &wire.Message{Type: wire.TypeCall, Seq: 11, Method: "/f", Filters: []byte{1, 2, 3}, Body: []byte{0, 1, 2}}},
		{"call 255 filters", &wire.Message{Type: wire.TypeCall, Seq: 12, Method: "/f", Filters: filters255}},
		{"call everything", func() *wire.Message {
			m := msg(wire.TypeCall, math.MaxUint32, "/svc/everything", "payload", "a", "b", "c", "d")
			m.Timeout, m.Codec, m.Filters = 1500*time.Millisecond, 255, []byte{7, 9, 255}
			return m
		}()},
		{"call near limit", nearLimit},
		{"call with accept", &wire.Message{Type: wire.TypeCall, Seq: 13, Method: "/m", Accept: 'p'}},
		{"reply success", &wire.Message{Type: wire.TypeReply, Seq: 1, Codec: 'j', Body: []byte("6")}},
		{"reply empty body", msg(wire.TypeReply, 2, "", "")},
		{"reply error", &wire.Message{Type: wire.TypeReply, Seq: 3, Code: 5, Error: "not found"}},
		{"reply binary error", &wire.Message{Type: wire.TypeReply, Seq: 3, Code: 5, Error: binaryText}},
		{"reply negative code", &wire.Message{Type: wire.TypeReply, Seq: 4, Code: -1, Error: "x"}},
		{"reply min code", &wire.Message{Type: wire.TypeReply, Seq: 5, Code: math.MinInt32}},
		{"reply max code", &wire.Message{Type: wire.TypeReply, Seq: 6, Code: math.MaxInt32, Error: "big"}},
		{"reply error ignored without code", &wire.Message{Type: wire.TypeReply, Seq: 7, Error: "dropped"}},
		{"reply meta and error", func() *wire.Message {
			m := msg(wire.TypeReply, 8, "", "partial", "retry-after", "3")
			m.Code, m.Error, m.Filters = 14, "unavailable", []byte{2}
			return m
		}()},
		{"push", msg(wire.TypePush, 0, "/events/tick", "{}", "trace", "abc")},
		{"cancel", msg(wire.TypeCancel, 42, "", "")},
		{"cancel with code", &wire.Message{Type: wire.TypeCancel, Seq: 43, Code: wire.CodeDeadlineExceeded}},
		{"goaway", msg(wire.TypeGoAway, 0, "", "")},
		{"goaway with code", &wire.Message{Type: wire.TypeGoAway, Code: 9, Error: "protocol error"}},
		{"goaway ack", msg(wire.TypeGoAwayAck, 0, "", "")},
	}

	// All frames go through one stream, in order.
	var all []*wire.Message
	for _, tt := range tests {
		all = append(all, tt.m)
	}
	f := newReadFramer(bytes.NewReader(encode(t, limit, all...)), limit)
	var got wire.Message
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got.Reset()
			if err := f.ReadMessage(&got); err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			if d := diffMessage(&got, tt.m); d != "" {
				t.Fatalf("%s\ngot  %+v\nwant %+v", d, got, *tt.m)
			}
			if got.Accept != 0 {
				t.Fatalf("Accept %d arrived; the format does not carry it", got.Accept)
			}
		})
	}
	got.Reset()
	if err := f.ReadMessage(&got); err != io.EOF {
		t.Fatalf("ReadMessage after the last frame: %v, want io.EOF", err)
	}
	if n := len(encode(t, limit, nearLimit)); n != limit {
		t.Fatalf("near-limit frame is %d bytes, want %d", n, limit)
	}
}

// TestBodyAliasesFrame checks that the body is not copied: it points into
// the pooled frame buffer that the message holds, and Release gives back.
func TestBodyAliasesFrame(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	frame := encode(t, 0, msg(wire.TypeCall, 1, "/m", "body"))
	f := newReadFramer(bytes.NewReader(frame), 0)
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil {
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
	buf := bufpool.Get(len(frame) - lenSize) // the buffer Release gave back
	defer bufpool.Put(buf)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(*buf)))
	if body < start || body >= start+uintptr(cap(*buf)) {
		t.Fatal("the body does not point into the frame buffer")
	}
}

// TestReadReusesMessage checks that reading into a Reset message leaves
// nothing of the previous one behind.
func TestReadReusesMessage(t *testing.T) {
	first := msg(wire.TypeCall, 1, "/a", "body", "k", "v")
	first.Timeout, first.Code, first.Error, first.Filters = time.Second, 3, "e", []byte{1}
	second := msg(wire.TypeReply, 2, "", "")
	f := newReadFramer(bytes.NewReader(encode(t, 0, first, second)), 0)
	var m wire.Message
	for _, want := range []*wire.Message{first, second} {
		m.Reset()
		if err := f.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		if d := diffMessage(&m, want); d != "" {
			t.Fatalf("%v: %s", want.Type, d)
		}
	}
	if m.Body != nil {
		t.Fatalf("empty body is %q, want nil", m.Body)
	}
	m.Release()
}

// TestMethodInterning checks that a known method is returned as the same
// string and that the cache stops growing at its cap.
func TestMethodInterning(t *testing.T) {
	var frames []*wire.Message
	for range 2 {
		frames = append(frames, msg(wire.TypeCall, 1, "/same", ""))
	}
	for i := range maxCachedMethods + 10 {
		frames = append(frames, msg(wire.TypeCall, uint32(i), "/m/"+strconv.Itoa(i), ""))
	}
	frames = append(frames, msg(wire.TypeCall, 1, "/"+strings.Repeat("x", maxCachedMethodLen), ""))
	fr := newReadFramer(bytes.NewReader(encode(t, 0, frames...)), 0)
	var m wire.Message
	var methods []string
	for range frames {
		m.Reset()
		if err := fr.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		methods = append(methods, m.Method)
	}
	if unsafe.StringData(methods[0]) != unsafe.StringData(methods[1]) {
		t.Errorf("a repeated method was not interned")
	}
	if n := len(fr.(*framer).methods); n != maxCachedMethods {
		t.Errorf("cache holds %d methods, want the cap %d", n, maxCachedMethods)
	}
}

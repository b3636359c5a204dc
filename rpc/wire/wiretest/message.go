package wiretest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// NewMessage returns a message of type t with the given seq, method and
// body (none when body is empty); meta holds key, value, key, value...
func NewMessage(t wire.Type, seq uint32, method, body string, meta ...string) *wire.Message {
	m := &wire.Message{Type: t, Seq: seq, Method: method}
	if body != "" {
		m.Body = []byte(body)
	}
	for i := 0; i+1 < len(meta); i += 2 {
		m.Meta.Append(meta[i], meta[i+1])
	}
	return m
}

// Encode returns the frames of msgs, written in that order by one framer
// of format f with the given size limit (zero: the default).
func Encode(t testing.TB, f wire.Format, limit int, msgs ...*wire.Message) []byte {
	t.Helper()
	w := f.NewFramer(nil, wire.Options{MaxMessageSize: limit})
	var out []byte
	for _, m := range msgs {
		var err error
		if out, err = w.AppendMessage(out, m); err != nil {
			t.Fatalf("AppendMessage(%v seq %d): %v", m.Type, m.Seq, err)
		}
	}
	return out
}

// NewReader returns a framer of format f that reads src with the given
// size limit (zero: the default).
func NewReader(f wire.Format, src io.Reader, limit int) wire.Framer {
	return f.NewFramer(bufio.NewReader(src), wire.Options{MaxMessageSize: limit})
}

// AsMessageError returns err as a *wire.MessageError wrapping sentinel, or
// fails the test.
func AsMessageError(t testing.TB, err, sentinel error) *wire.MessageError {
	t.Helper()
	var me *wire.MessageError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T), want a *wire.MessageError", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap %v", err, sentinel)
	}
	return me
}

// Pairs returns md's pairs as key, value, key, value...
func Pairs(md *wire.Metadata) []string {
	var kv []string
	md.Range(func(k, v string) bool {
		kv = append(kv, k, v)
		return true
	})
	return kv
}

// Diff describes how got, a message read, differs from what the reader
// of want, a message written, should see, or returns "" when they agree.
// The reader sees the timeout rounded to whole microseconds, no status
// message without a status code, each string as o.Text makes it, and
// ReplyCodec only when o.ReplyCodec says the format carries it.
func (o Options) Diff(got, want *wire.Message) string {
	text := o.Text
	if text == nil {
		text = func(s string) string { return s }
	}
	var d []string
	if got.Type != want.Type {
		d = append(d, "type")
	}
	if got.Seq != want.Seq {
		d = append(d, "seq")
	}
	if got.Method != text(want.Method) {
		d = append(d, "method")
	}
	if got.Timeout != wireTimeout(want) {
		d = append(d, "timeout")
	}
	wantErr := text(want.Error)
	if want.Code == 0 {
		wantErr = ""
	}
	if got.Code != want.Code || got.Error != wantErr {
		d = append(d, "status")
	}
	wantMeta := Pairs(&want.Meta)
	for i, s := range wantMeta {
		wantMeta[i] = text(s)
	}
	if !slices.Equal(Pairs(&got.Meta), wantMeta) {
		d = append(d, "meta")
	}
	if got.Codec != want.Codec {
		d = append(d, "codec")
	}
	wantRC := want.ReplyCodec
	if !o.ReplyCodec {
		wantRC = 0
	}
	if got.ReplyCodec != wantRC {
		d = append(d, "reply codec")
	}
	if !bytes.Equal(got.Filters, want.Filters) {
		d = append(d, "filters")
	}
	if !bytes.Equal(got.Body, want.Body) {
		d = append(d, "body")
	}
	if len(d) == 0 {
		return ""
	}
	return "fields differ: " + strings.Join(d, ", ")
}

// wireTimeout returns the timeout the reader of m sees.
func wireTimeout(m *wire.Message) time.Duration {
	if m.Timeout == 0 {
		return 0
	}
	return wire.TimeoutFromMicros(wire.TimeoutToMicros(m.Timeout))
}

// FitBody sets m's body to body(n) for the largest n whose frame, in
// format f, is at most limit bytes, and returns that frame's size. body(n)
// must grow with n. It fails the test when even body(0) does not fit.
func FitBody(t testing.TB, f wire.Format, limit int, m *wire.Message, body func(n int) []byte) int {
	t.Helper()
	w := f.NewFramer(nil, wire.Options{MaxMessageSize: limit})
	size := func(n int) int {
		m.Body = body(n)
		b, err := w.AppendMessage(nil, m)
		if errors.Is(err, wire.ErrTooLarge) {
			return limit + 1
		}
		if err != nil {
			t.Fatalf("AppendMessage: %v", err)
		}
		return len(b)
	}
	if size(0) > limit {
		t.Fatalf("a %v frame with the smallest body is over the limit of %d bytes", m.Type, limit)
	}
	lo, hi := 0, limit // size(lo) fits, size(hi) does not
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; size(mid) <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	return size(lo)
}

// binaryBody returns n bytes of a binary body: every value, 0xab the most.
func binaryBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		if i%4 == 3 {
			b[i] = byte(i / 4)
		} else {
			b[i] = 0xab
		}
	}
	return b
}

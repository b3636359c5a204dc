package json

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// newReadFramer returns a framer reading src with the given limit.
func newReadFramer(src io.Reader, limit int) wire.Framer {
	return Format{}.NewFramer(bufio.NewReader(src), wire.Options{MaxMessageSize: limit})
}

// encode appends the frames of msgs with a framer of the given limit.
func encode(t testing.TB, limit int, msgs ...*wire.Message) []byte {
	t.Helper()
	f := Format{}.NewFramer(nil, wire.Options{MaxMessageSize: limit})
	var out []byte
	for _, m := range msgs {
		var err error
		if out, err = f.AppendMessage(out, m); err != nil {
			t.Fatalf("AppendMessage(%v): %v", m.Type, err)
		}
	}
	return out
}

// frame prefixes text with its length, making a frame whose content the
// test writes by hand.
func frame(text string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(text))), text...)
}

// msg builds a message; meta holds key, value, key, value...
func msg(t wire.Type, seq uint32, method string, body string, meta ...string) *wire.Message {
	m := &wire.Message{Type: t, Seq: seq, Method: method}
	if body != "" {
		m.Body = []byte(body)
	}
	for i := 0; i+1 < len(meta); i += 2 {
		m.Meta.Append(meta[i], meta[i+1])
	}
	return m
}

// pairs returns md's pairs as key, value, key, value...
func pairs(md *wire.Metadata) []string {
	var kv []string
	md.Range(func(k, v string) bool {
		kv = append(kv, k, v)
		return true
	})
	return kv
}

// wireTimeout is the timeout a receiver sees for d.
func wireTimeout(d time.Duration) time.Duration {
	if d == 0 {
		return 0
	}
	us := micros(d)
	if us > math.MaxInt64/uint64(time.Microsecond) {
		return math.MaxInt64
	}
	return time.Duration(us) * time.Microsecond
}

// wireText is the string a receiver sees for s: each byte that is not part
// of valid UTF-8 becomes U+FFFD.
func wireText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// diffMessage describes how got differs from what the receiver of want
// should see, or returns "" when they agree.
func diffMessage(got, want *wire.Message) string {
	var d []string
	if got.Type != want.Type {
		d = append(d, "type")
	}
	if got.Seq != want.Seq {
		d = append(d, "seq")
	}
	if got.Method != wireText(want.Method) {
		d = append(d, "method")
	}
	if got.Timeout != wireTimeout(want.Timeout) {
		d = append(d, "timeout")
	}
	wantErr := wireText(want.Error)
	if want.Code == 0 {
		wantErr = ""
	}
	if got.Code != want.Code || got.Error != wantErr {
		d = append(d, "status")
	}
	wantMeta := pairs(&want.Meta)
	for i, s := range wantMeta {
		wantMeta[i] = wireText(s)
	}
	if !slices.Equal(pairs(&got.Meta), wantMeta) {
		d = append(d, "meta")
	}
	if got.Codec != want.Codec {
		d = append(d, "codec")
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

// asMessageError returns err as a *wire.MessageError or fails the test.
func asMessageError(t *testing.T, err error, sentinel error) *wire.MessageError {
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

// cycleReader returns the same bytes over and over, without allocating.
type cycleReader struct {
	data []byte
	off  int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.data[c.off:])
		n += k
		c.off = (c.off + k) % len(c.data)
	}
	return n, nil
}

// fillReader yields n bytes without storing or writing them.
type fillReader struct{ n int64 }

func (z *fillReader) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	z.n -= int64(k)
	return k, nil
}

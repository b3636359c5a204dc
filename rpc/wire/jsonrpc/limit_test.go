package jsonrpc

import (
	"bufio"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestReadRefusesLargeValue checks that a value over the limit is refused
// with an answer and skipped, the stream staying in step unless it ends
// inside the value, and that one exactly at the limit is read.
func TestReadRefusesLargeValue(t *testing.T) {
	const limit = 1 << 10
	call := func(size int) string {
		head, tail := `{"jsonrpc":"2.0","method":"echo","params":["`, `"],"id":1}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	// The limit falls right after "12345" of the id 123456789.
	cutNumber := func() string {
		head, tail := `{"jsonrpc":"2.0","method":"m","params":["`, `"],"id":12345`
		return head + strings.Repeat("x", limit-len(head)-len(tail)) + tail + "6789}"
	}
	// The id comes first, as this package writes it: a refusal can carry it.
	idFirst := func(size int) string {
		head, tail := `{"jsonrpc" : "2.0", "id" : "\u0041b", "method":"echo","params":["`, `"]}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	batch := func(size int) string {
		head, tail := `[{"jsonrpc":"2.0","method":"echo","params":["`, `"],"id":1}]`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	tests := []struct {
		name  string
		value string
		fits  bool
		id    string // the id of the answer
		close bool   // the stream is out of step after it
	}{
		{"call at the limit", call(limit), true, "", false},
		{"call one byte over", call(limit + 1), false, "null", false},
		{"call with its id first", idFirst(limit + 1), false, `"\u0041b"`, false},
		{"id cut by the limit", `{"jsonrpc":"2.0","id":"` + strings.Repeat("i", limit) + `"}`, false, "null", false},
		{"id number cut by the limit", cutNumber(), false, "null", false},
		{"batch at the limit", batch(limit), true, "", false},
		{"batch one byte over", batch(limit + 1), false, "null", false},
		{"string over", `"` + strings.Repeat("y", 2*limit) + `"`, false, "null", false},
		{"number over", strings.Repeat("9", 2*limit), false, "null", false},
		{"unterminated", `{"a":"` + strings.Repeat("z", 5*limit), false, "null", true},
		{"escapes and brackets after the limit", `{"a":"` + strings.Repeat("z", limit) + `\"]}\\", "b":[{"c":"]"}]}`, false, "null", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Whitespace before the value does not count.
			stream := strings.Repeat(" \n", limit) + tt.value
			if !tt.close {
				stream += "\n" + `{"jsonrpc":"2.0","method":"echo","id":2}`
			}
			f := Format{}.NewFramer(bufio.NewReaderSize(strings.NewReader(stream), 64), wire.Options{MaxMessageSize: limit})
			if !tt.fits && len(tt.value) <= limit {
				t.Fatalf("the value is %d bytes, not over the limit", len(tt.value))
			}
			var m wire.Message
			err := f.ReadMessage(&m)
			if tt.fits {
				if err != nil || m.Type != wire.TypeCall || len(m.Body) < limit/2 {
					t.Fatalf("ReadMessage: %v %v, body %d bytes", err, m.Type, len(m.Body))
				}
				m.Reset()
				if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeCall {
					t.Fatalf("next value: %v", err)
				}
				return
			}
			me := wiretest.AsMessageError(t, err, wire.ErrTooLarge)
			if me.Type != wire.TypeCall || me.Code != wire.CodeTooLarge || me.Close != tt.close {
				t.Fatalf("MessageError %+v, want a CALL to answer with CodeTooLarge, Close %v", me, tt.close)
			}
			out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: wire.CodeTooLarge, Error: me.Error()})
			if err != nil {
				t.Fatal(err)
			}
			want := `{"jsonrpc":"2.0","id":` + tt.id + `,"error":{"code":-32600,"message":"Invalid Request","data":{"code":7,"detail":"request too large"}}}` + "\n"
			if string(out) != want {
				t.Fatalf("answer %s, want %s", out, want)
			}
			m.Reset()
			err = f.ReadMessage(&m)
			if tt.close {
				if err != io.EOF {
					t.Fatalf("ReadMessage after the refusal: %v, want io.EOF (the rest is discarded)", err)
				}
				return
			}
			if err != nil || m.Type != wire.TypeCall || m.Method != "/echo" {
				t.Fatalf("the value after the refused one: %v %+v", err, m)
			}
		})
	}
}

// TestReadRefusesLargeResponse checks that a response over the limit fails
// the call it answers when its id comes before the cut.
func TestReadRefusesLargeResponse(t *testing.T) {
	const limit = 1 << 10
	tests := []struct {
		name  string
		value string
		seq   uint32
	}{
		{"id first", `{"jsonrpc":"2.0","id":7,"result":"` + strings.Repeat("r", limit) + `"}`, 7},
		{"error with id first", `{"id":8,"jsonrpc":"2.0","error":{"code":1,"message":"` + strings.Repeat("m", limit) + `"}}`, 8},
		{"id last", `{"jsonrpc":"2.0","result":"` + strings.Repeat("r", limit) + `","id":7}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := wiretest.NewReader(Format{}, strings.NewReader(tt.value), limit)
			var m wire.Message
			err := f.ReadMessage(&m)
			if tt.seq == 0 {
				// Nothing tells it from a request: it is answered.
				if me := wiretest.AsMessageError(t, err, wire.ErrTooLarge); me.Type != wire.TypeCall {
					t.Fatalf("MessageError %+v", me)
				}
				return
			}
			me := wiretest.AsMessageError(t, err, wire.ErrTooLarge)
			if me.Type != wire.TypeReply || me.Seq != tt.seq || me.Close {
				t.Fatalf("MessageError %+v, want a REPLY seq %d", me, tt.seq)
			}
		})
	}
}

// TestReadRefusesHugeValue checks that a value of 100 MiB costs memory
// near the limit only, whether it ends (then the next value is read) or
// the stream ends inside it, and that a value that would take more than
// the skip limit to get past closes the stream.
func TestReadRefusesHugeValue(t *testing.T) {
	const claimed = 100 << 20
	next := `{"jsonrpc":"2.0","method":"next","id":2}`
	tests := []struct {
		name      string
		limit     int
		skipLimit int
		tail      string // after the string
		most      uint64 // bytes it may allocate
		close     bool
	}{
		{"string that never ends", 0, maxSkip, "", 3 * wire.DefaultMaxMessageSize, true},
		{"string that never ends, 64 KiB limit", 64 << 10, maxSkip, "", 1 << 20, true},
		{"string that ends", 0, maxSkip, `"],"id":1}` + next, 3 * wire.DefaultMaxMessageSize, false},
		{"over the skip limit", 64 << 10, 1 << 20, `"],"id":1}` + next, 1 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &repeatReader{c: 'a', n: claimed}
			src := io.MultiReader(strings.NewReader(`{"jsonrpc":"2.0","method":"m","params":["`), body, strings.NewReader(tt.tail))
			f := Format{}.NewFramer(bufio.NewReaderSize(src, 32<<10), wire.Options{MaxMessageSize: tt.limit})
			f.(*framer).skipLimit = tt.skipLimit
			var m wire.Message
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := f.ReadMessage(&m)
			runtime.ReadMemStats(&after)
			grew := after.TotalAlloc - before.TotalAlloc
			if grew > tt.most {
				t.Errorf("refusing the value allocated %d bytes, want at most %d", grew, tt.most)
			}
			t.Logf("refusing a %d-byte value allocated %d bytes", claimed, grew)
			me := wiretest.AsMessageError(t, err, wire.ErrTooLarge)
			if me.Close != tt.close {
				t.Fatalf("Close %v, want %v", me.Close, tt.close)
			}
			m.Reset()
			err = f.ReadMessage(&m)
			if tt.close {
				if err != io.EOF {
					t.Fatalf("after the refusal: %v, want io.EOF", err)
				}
				return
			}
			if err != nil || m.Method != "/next" {
				t.Fatalf("the value after the refused one: %v %+v", err, m)
			}
		})
	}
}

// TestDepthCap checks the nesting limit: the request object counts as a
// level, and so does a batch.
func TestDepthCap(t *testing.T) {
	nested := func(levels int) string { return strings.Repeat("[", levels) + strings.Repeat("]", levels) }
	call := func(params string) string {
		return `{"jsonrpc":"2.0","method":"echo","params":` + params + `,"id":1}`
	}
	tests := []struct {
		name  string
		value string
		ok    bool
	}{
		{"call at the cap", call(nested(maxDepth - 1)), true},
		{"call over the cap", call(nested(maxDepth)), false},
		{"batch at the cap", "[" + call(nested(maxDepth-2)) + "]", true},
		{"batch over the cap", "[" + call(nested(maxDepth-1)) + "]", false},
		{"objects over the cap", call(strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth)), false},
		{"a million levels", call(nested(1e6)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := tt.value + `{"jsonrpc":"2.0","method":"echo","id":2}`
			f := wiretest.NewReader(Format{}, strings.NewReader(stream), 8<<20)
			var m wire.Message
			err := f.ReadMessage(&m)
			if tt.ok {
				if err != nil || m.Type != wire.TypeCall {
					t.Fatalf("ReadMessage: %v", err)
				}
			} else {
				me := wiretest.AsMessageError(t, err, wire.ErrMalformed)
				if me.Close || me.Code != wire.CodeBadMessage || !strings.Contains(me.Error(), "nesting deeper than 1000") {
					t.Fatalf("MessageError %+v", me)
				}
				out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: me.Code})
				if err != nil {
					t.Fatal(err)
				}
				sameValues(t, out, []byte(`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}`))
			}
			m.Reset()
			if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeCall {
				t.Fatalf("next value: %v", err)
			}
		})
	}
}

// TestExchangeLimit checks Decode's own limit, for values another protocol
// delimits.
func TestExchangeLimit(t *testing.T) {
	var seq uint32
	x := newExchange(func() uint32 { seq++; return seq }, wire.Options{MaxMessageSize: 64}, 0)
	if n := x.Decode([]byte(`{"jsonrpc":"2.0","method":"echo","params":["` + strings.Repeat("x", 64) + `"],"id":1}`)); n != 1 {
		t.Fatalf("Decode = %d, want 1", n)
	}
	var m wire.Message
	me := wiretest.AsMessageError(t, x.Next(&m), wire.ErrTooLarge)
	if me.Code != wire.CodeTooLarge || me.Close {
		t.Fatalf("MessageError %+v", me)
	}
	if err := x.Next(&m); err != io.EOF {
		t.Fatalf("Next: %v", err)
	}
}

// TestScannerPieces checks that the stream scanner finds the end of a value
// wherever the reads cut it, escapes and all.
func TestScannerPieces(t *testing.T) {
	values := []string{
		`{"a":"b"}`,
		`{"a":"q\"uo}te","b":["\\",{"c":"\\\""}],"d":"\\\\"}`,
		`["]","[","\\\\\\\"]"]`,
		`"top \"level\" \\"`,
		`12345`,
		`true`,
		`[[[]],{}]`,
	}
	next := `{"next":1}`
	for _, v := range values {
		stream := []byte(v + next)
		for size := 1; size <= len(stream); size++ {
			var sc scanner
			total, done := 0, false
			for off := 0; off < len(stream) && !done; off += size {
				piece := stream[off:min(off+size, len(stream))]
				n, d, bad := sc.scan(piece)
				if bad {
					t.Fatalf("%s in pieces of %d: bad", v, size)
				}
				total += n
				done = d
				if !d && n != len(piece) {
					t.Fatalf("%s in pieces of %d: took %d of %d bytes without ending", v, size, n, len(piece))
				}
			}
			if scalar := v[0] != '{' && v[0] != '[' && v[0] != '"'; scalar {
				// A number or literal ends at the next byte outside it.
				if !done || total != len(v) {
					t.Fatalf("%s in pieces of %d: end %d, done %v", v, size, total, done)
				}
				continue
			}
			if !done || total != len(v) {
				t.Fatalf("%s in pieces of %d: end at %d, done %v; want %d", v, size, total, done, len(v))
			}
		}
	}
}

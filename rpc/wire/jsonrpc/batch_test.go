package jsonrpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// batchOf returns a batch of n copies of member.
func batchOf(member string, n int) string {
	return "[" + strings.Repeat(member+",", n-1) + member + "]"
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestBatchCap checks the cap on a batch's members: a batch at the cap is
// read member by member, a longer one gets one Invalid Request error with
// its length and none of its members is handed out; the stream goes on.
func TestBatchCap(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		n      int
		over   bool
	}{
		{"default cap", Format{}, DefaultMaxBatch, false},
		{"one over the default", Format{}, DefaultMaxBatch + 1, true},
		{"own cap", Format{MaxBatch: 3}, 3, false},
		{"one over its own", Format{MaxBatch: 3}, 4, true},
		{"negative is the default", Format{MaxBatch: -1}, DefaultMaxBatch, false},
	}
	next := `{"jsonrpc":"2.0","method":"next","id":"n"}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := batchOf(`{"jsonrpc":"2.0","method":"m","id":1}`, tt.n) + next
			f := tt.format.NewFramer(bufio.NewReader(strings.NewReader(stream)), wire.Options{})
			s := serve(t, f)
			if s.end != io.EOF {
				t.Fatalf("reading ended with %v", s.end)
			}
			if !tt.over {
				if len(s.calls) != tt.n+1 || len(s.errs) != 0 {
					t.Fatalf("%d calls and %d refusals, want %d calls", len(s.calls), len(s.errs), tt.n+1)
				}
				return
			}
			if len(s.calls) != 1 || s.calls[0].Method != "/next" || len(s.errs) != 1 {
				t.Fatalf("%d calls and %d refusals, want the next call and one refusal", len(s.calls), len(s.errs))
			}
			if me := s.errs[0]; me.Type != wire.TypeCall || me.Code != wire.CodeTooLarge || !errors.Is(me, wire.ErrTooLarge) || me.Close {
				t.Fatalf("MessageError %+v, want a CALL to answer with CodeTooLarge", me)
			}
			vs := values(t, s.out)
			if len(vs) != 2 {
				t.Fatalf("%d responses, want 2:\n%s", len(vs), s.out)
			}
			limit := strconv.Itoa(tt.n - 1)
			detail := "batch of " + strconv.Itoa(tt.n) + " members, at most " + limit
			want := `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: ` + detail + `","data":{"code":7,"detail":"` + detail + `"}}}`
			if got := strings.SplitN(string(s.out), "\n", 2)[0]; got != want {
				t.Fatalf("answer %s\nwant   %s", got, want)
			}
		})
	}
}

// TestBatchOfAMillion is the attack on a server's batches: a value of 2
// MB holding a million members "1". It is answered with one error of a
// few hundred bytes, for a few times its size in memory. Before the cap,
// it cost 1.33 GB of RSS and a response of 99 MB, one error per member.
func TestBatchOfAMillion(t *testing.T) {
	const n = 1_000_000
	value := batchOf("1", n)
	f := Format{}.NewFramer(bufio.NewReaderSize(strings.NewReader(value), 64<<10), wire.Options{})
	var s *session
	grew := allocated(func() { s = serve(t, f) })
	t.Logf("a batch of %d members in %d bytes: allocated %d bytes, answered with %d", n, len(value), grew, len(s.out))
	if len(s.errs) != 1 || len(s.calls) != 0 {
		t.Fatalf("%d refusals and %d calls, want one refusal", len(s.errs), len(s.calls))
	}
	if !bytes.Contains(s.out, []byte("batch of 1000000 members")) || len(s.out) > 512 {
		t.Fatalf("answer %q, want one error of less than 512 bytes with the batch's length", s.out)
	}
	// The value read, in buffers that grow by doubling, and counted.
	if most := uint64(4*len(value) + 64<<10); grew > most {
		t.Fatalf("refusing the batch allocated %d bytes, want at most %d", grew, most)
	}
}

// TestBatchCostPerMember reads batches at the cap and answers every
// member, and checks that a member costs a small constant besides its
// bytes and its response's: its record, what waits for its reply, and a
// refusal's MessageError. The bytes cost the value's buffer, which grows
// by doubling as it is read, and the batch's copy: four times their size
// at most; the response is collected, then written. Before, a batch of a
// thousand "1" cost 2 KB per member.
func TestBatchCostPerMember(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	const (
		n         = DefaultMaxBatch
		perMember = 512 // bytes
	)
	tests := []struct{ name, member string }{
		{"not requests", "1"},
		{"calls", `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":12345}`},
		{"notifications", `{"jsonrpc":"2.0","method":"log","params":["x"]}`},
		{"calls with string ids", `{"jsonrpc":"2.0","method":"m","id":"` + strings.Repeat("i", 36) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value := batchOf(tt.member, n)
			f := Format{}.NewFramer(bufio.NewReaderSize(strings.NewReader(value), 64<<10), wire.Options{})
			seqs := make([]uint32, 0, n)
			out := make([]byte, 0, 256*n) // the writer's buffer, not the framer's
			reply := &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: []byte("3")}
			refusal := &wire.Message{Type: wire.TypeReply, Code: wire.CodeBadMessage, Error: "bad"}
			var m wire.Message
			grew := allocated(func() {
				for {
					m.Reset()
					err := f.ReadMessage(&m)
					var me *wire.MessageError
					switch {
					case err == nil && m.Type == wire.TypeCall:
						seqs = append(seqs, m.Seq)
					case err == nil:
					case errors.As(err, &me):
						refusal.Seq = me.Seq
						if out, err = f.AppendMessage(out, refusal); err != nil {
							t.Fatal(err)
						}
					default:
						return
					}
				}
			})
			grew += allocated(func() {
				for _, seq := range seqs {
					reply.Seq = seq
					var err error
					if out, err = f.AppendMessage(out, reply); err != nil {
						t.Fatal(err)
					}
				}
			})
			m.Reset()
			if !json.Valid(out) && len(out) > 0 {
				t.Fatalf("the response is not JSON: %.200s", out)
			}
			beyond := float64(int64(grew)-int64(4*len(value))-int64(2*len(out))) / n
			t.Logf("%d members in %d bytes, answered in %d: allocated %d bytes, %.0f per member beyond its bytes and its response's", n, len(value), len(out), grew, beyond)
			if beyond > perMember {
				t.Fatalf("a member costs %.0f bytes beyond four times its bytes and twice its response's, want at most %d", beyond, perMember)
			}
		})
	}
}

// TestMetadataCaps checks the caps on the "meta" of requests and
// responses: at the caps a member is read, over them it is refused as too
// large, an Invalid Request with data.code 7 for a request, and the other
// members are read.
func TestMetadataCaps(t *testing.T) {
	opts := wire.Options{MaxMetadataPairs: 2, MaxMetadataBytes: 8}
	req := func(id, meta string) string {
		return `{"jsonrpc":"2.0","method":"m","meta":` + meta + `,"id":` + id + `}`
	}
	tests := []struct {
		name, meta string
		over       bool
	}{
		{"pairs at the cap", `{"a":"1","b":"2"}`, false},
		{"one pair over", `{"a":"1","b":"2","c":"3"}`, true},
		{"empty pairs over", `{"":"","":"","":""}`, true},
		{"bytes at the cap", `{"k":"1234567"}`, false},
		{"one byte over", `{"k":"12345678"}`, true},
		{"escapes count as decoded", `{"k":"\u00e9\u00e9\u00e9"}`, false}, // 1 + 6 bytes
		{"escapes over as decoded", `{"k":"\u20ac\u20ac\u20ac"}`, true},   // 1 + 9 bytes
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := req("1", tt.meta) + "[" + req(`"a"`, tt.meta) + "," + req(`"b"`, `{}`) + "]"
			f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(stream)), opts)
			s := serve(t, f)
			if !tt.over {
				if len(s.calls) != 3 || len(s.errs) != 0 {
					t.Fatalf("%d calls, %d refusals: %v", len(s.calls), len(s.errs), s.errs)
				}
				return
			}
			if len(s.calls) != 1 || len(s.errs) != 2 {
				t.Fatalf("%d calls and %d refusals, want 1 and 2", len(s.calls), len(s.errs))
			}
			for _, me := range s.errs {
				if me.Type != wire.TypeCall || me.Code != wire.CodeTooLarge || !errors.Is(me, wire.ErrTooLarge) || me.Close {
					t.Fatalf("MessageError %+v, want a CALL to answer with CodeTooLarge", me)
				}
			}
			vs := values(t, s.out)
			first := vs[0].(map[string]any)
			e := first["error"].(map[string]any)
			if first["id"] != json.Number("1") || e["code"] != json.Number("-32600") || e["data"].(map[string]any)["code"] != json.Number("7") {
				t.Fatalf("answer %v", first)
			}
		})
	}

	t.Run("response", func(t *testing.T) {
		f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(
			`{"jsonrpc":"2.0","id":1,"result":1,"meta":{"a":"1","b":"2","c":"3"}}`+
				`{"jsonrpc":"2.0","id":2,"result":2,"meta":{"a":"1","b":"2"}}`)), opts)
		for _, seq := range []uint32{1, 2} {
			if _, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeCall, Seq: seq, Method: "/m"}); err != nil {
				t.Fatal(err)
			}
		}
		var m wire.Message
		me := wiretest.AsMessageError(t, f.ReadMessage(&m), wire.ErrTooLarge)
		if me.Type != wire.TypeReply || me.Seq != 1 || me.Code != wire.CodeTooLarge {
			t.Fatalf("MessageError %+v, want REPLY seq 1 with CodeTooLarge", me)
		}
		m.Reset()
		if err := f.ReadMessage(&m); err != nil || m.Seq != 2 || m.Meta.Len() != 2 {
			t.Fatalf("the response after: %+v, %v", m, err)
		}
		m.Reset()
	})
}

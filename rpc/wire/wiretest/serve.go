package wiretest

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// readReply does a server's work for one request: it Resets m, reads the
// next message of f into it, and appends reply, under the message's seq,
// to out. The allocation pins and benchmarks of formats whose framers
// answer requests (http, jsonrpc) repeat it.
func readReply(f wire.Framer, m, reply *wire.Message, out []byte) ([]byte, error) {
	m.Reset()
	if err := f.ReadMessage(m); err != nil {
		return out, err
	}
	reply.Seq = m.Seq
	return f.AppendMessage(out, reply)
}

// ReadReplyAllocs returns the allocations of one readReply of f, the
// average of many; f must read the same request again and again (see
// [Cycle]). It skips the test under the race detector, where pooled
// buffers are dropped at random.
func ReadReplyAllocs(t testing.TB, f wire.Framer, reply *wire.Message) float64 {
	t.Helper()
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	var m wire.Message
	defer m.Reset()
	out := make([]byte, 0, 4096)
	return testing.AllocsPerRun(1000, func() {
		var err error
		if out, err = readReply(f, &m, reply, out[:0]); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchReadReply measures readReply of f, whose requests are size bytes
// each.
func BenchReadReply(b *testing.B, f wire.Framer, reply *wire.Message, size int) {
	var m wire.Message
	defer m.Reset()
	out := make([]byte, 0, 4096)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = readReply(f, &m, reply, out[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

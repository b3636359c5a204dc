package jsonrpc

import (
	"bufio"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestReadReplyDoesNotAllocate checks the steady state of a server: a call
// read from the pooled buffer and its reply written cost no allocation;
// metadata costs one string for all its pairs.
func TestReadReplyDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name   string
		req    string
		allocs float64
	}{
		{"call", benchRequest(), 0},
		{"call without params", `{"jsonrpc":"2.0","method":"ping","id":"abc"}`, 0},
		{"call with timeout and metadata", `{"jsonrpc":"2.0","method":"a","params":[1],"meta":{"k":"v","trace":"x"},"timeout_ms":50,"id":1}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Format{}.NewFramer(bufio.NewReader(wiretest.Cycle([]byte(tt.req))), wire.Options{})
			reply := &wire.Message{Type: wire.TypeReply, Codec: 'j', Body: []byte(`{"sum":3}`)}
			if allocs := wiretest.ReadReplyAllocs(t, f, reply); allocs != tt.allocs {
				t.Fatalf("read and reply allocated %v times per run, want %v", allocs, tt.allocs)
			}
		})
	}
}

// TestAppendCallDoesNotAllocate checks the client's side.
func TestAppendCallDoesNotAllocate(t *testing.T) {
	f := Format{}.NewFramer(nil, wire.Options{})
	call := &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Body: []byte(benchParams()), Timeout: time.Second}
	call.Meta.Set("trace", "abc")
	out := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(1000, func() {
		var err error
		if out, err = f.AppendMessage(out[:0], call); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendMessage allocated %v times per run", allocs)
	}
}

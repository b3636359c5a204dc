package jsonrpc

import (
	"bufio"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// TestMismatchedBracketAnsweredAtOnce: the specification's "batch with
// invalid JSON" example closes an object with ']'. The framer must refuse
// it as soon as it reads that byte, not wait for input that would balance
// the brackets (the stream stays open, as a real client's does).
func TestMismatchedBracketAnsweredAtOnce(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte(`[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]`))
	f := Format{}.NewFramer(bufio.NewReader(pr), wire.Options{})
	got := make(chan error, 1)
	go func() {
		var m wire.Message
		got <- f.ReadMessage(&m)
		m.Release()
	}()
	select {
	case err := <-got:
		var me *wire.MessageError
		if !errors.As(err, &me) || !errors.Is(err, wire.ErrMalformed) {
			t.Fatalf("ReadMessage = %v, want a parse error to answer", err)
		}
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the framer waited for more input after a mismatched bracket")
	}
	pw.Close()
}

package jsonrpc

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// readOverBudget reads the next message of f and checks that it is the
// refusal of one over the budget, of type ty and seq, keeping the stream
// in step.
func readOverBudget(t *testing.T, f wire.Framer, ty wire.Type, seq uint32) *wire.MessageError {
	t.Helper()
	var m wire.Message
	defer m.Reset()
	me := wiretest.AsMessageError(t, f.ReadMessage(&m), wire.ErrOverBudget)
	if me.Type != ty || me.Seq != seq && seq != 0 || me.Code != wire.CodeOverloaded || me.Close {
		t.Fatalf("MessageError %+v, want a %v (seq %d) with CodeOverloaded, not closing", me, ty, seq)
	}
	return me
}

// TestBudgetRefusesValues reads values with a budget that holds one
// value's buffer: a value read while another is held is refused with a
// Server error carrying its id (status code 13) and skipped, the stream in
// step; once the first is released, the next is read. Every reservation is
// given back.
func TestBudgetRefusesValues(t *testing.T) {
	call := func(id string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"m","params":["` + strings.Repeat("p", 4000) + `"]}`
	}
	stream := call("1") + call(`"two"`) + call("3")
	budget := wire.NewBudget(6000)
	f := Format{}.NewFramer(bufio.NewReaderSize(strings.NewReader(stream), 16<<10), wire.Options{Budget: budget})

	var held wire.Message
	if err := f.ReadMessage(&held); err != nil || held.Type != wire.TypeCall {
		t.Fatalf("first value: %+v, %v", held, err)
	}
	me := readOverBudget(t, f, wire.TypeCall, 0)
	out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: me.Code, Error: me.Error()})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"jsonrpc":"2.0","id":"two","error":{"code":-32000,"message":"Server error","data":{"code":13,"detail":"value over the memory budget"}}}` + "\n"
	if string(out) != want {
		t.Fatalf("answer %s, want %s", out, want)
	}
	held.Release()
	var m wire.Message
	if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeCall || len(m.Body) < 4000 {
		t.Fatalf("the value after the refused one: %v", err)
	}
	m.Reset()
	if err := f.ReadMessage(&m); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget reserved at the end", n)
	}
}

// TestBudgetRefusesBatches reads a batch whose copy the budget cannot hold
// with the value's own buffer: it is refused whole, with one answer; and a
// batch whose copy fits, but not the bodies of two members at once: the
// member read while another is held is refused and answered in the
// batch's response.
func TestBudgetRefusesBatches(t *testing.T) {
	member := func(id string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"m","params":["` + strings.Repeat("p", 1000) + `"]}`
	}
	batch := "[" + member("1") + "," + member("2") + "," + member("3") + "]"

	t.Run("the copy", func(t *testing.T) {
		// The value's buffer (the value comes whole in the reader's
		// buffer: its size), and less than its copy.
		budget := wire.NewBudget(int64(2*len(batch) - 1))
		f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(batch+member("4"))), wire.Options{Budget: budget})
		me := readOverBudget(t, f, wire.TypeCall, 0)
		out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: me.Code})
		if err != nil {
			t.Fatal(err)
		}
		sameValues(t, out, []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Server error"}}`))
		var m wire.Message
		if err := f.ReadMessage(&m); err != nil || m.Type != wire.TypeCall {
			t.Fatalf("the value after the batch: %v", err)
		}
		m.Reset()
		if n := budget.Used(); n != 0 {
			t.Fatalf("%d bytes of the budget reserved at the end", n)
		}
	})

	t.Run("the members", func(t *testing.T) {
		// The value's buffer is given back with the first member's body.
		budget := wire.NewBudget(int64(2*len(batch) + 1500))
		f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(batch)), wire.Options{Budget: budget})
		var first, m wire.Message
		if err := f.ReadMessage(&first); err != nil {
			t.Fatal(err)
		}
		me := readOverBudget(t, f, wire.TypeCall, 0)
		first.Release()
		if err := f.ReadMessage(&m); err != nil {
			t.Fatal(err)
		}
		out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: me.Code})
		if err == nil {
			out, err = f.AppendMessage(out, &wire.Message{Type: wire.TypeReply, Seq: first.Seq})
		}
		if err == nil {
			out, err = f.AppendMessage(out, &wire.Message{Type: wire.TypeReply, Seq: m.Seq})
		}
		if err != nil {
			t.Fatal(err)
		}
		m.Reset()
		sameValues(t, out, []byte(`[{"jsonrpc":"2.0","id":1,"result":null},`+
			`{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"Server error"}},`+
			`{"jsonrpc":"2.0","id":3,"result":null}]`))
		if err := f.ReadMessage(&m); err != io.EOF {
			t.Fatalf("at the end: %v, want io.EOF", err)
		}
		if n := budget.Used(); n != 0 {
			t.Fatalf("%d bytes of the budget reserved at the end", n)
		}
	})
}

// TestBudgetRefusesResponses reads a response over the budget: the call it
// answers fails with CodeOverloaded.
func TestBudgetRefusesResponses(t *testing.T) {
	budget := wire.NewBudget(1024)
	resp := `{"jsonrpc":"2.0","id":7,"result":"` + strings.Repeat("r", 8000) + `"}`
	f := Format{}.NewFramer(bufio.NewReader(strings.NewReader(resp)), wire.Options{Budget: budget})
	if _, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeCall, Seq: 7, Method: "/m"}); err != nil {
		t.Fatal(err)
	}
	readOverBudget(t, f, wire.TypeReply, 7)
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget reserved at the end", n)
	}
}

package jsonrpc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestExchangeOneValuePerMessage uses an exchange the way a format that
// carries one value per message of another protocol (HTTP POST) does.
func TestExchangeOneValuePerMessage(t *testing.T) {
	var seq uint32
	x := newExchange(func() uint32 { seq++; return seq }, wire.Options{}, 0)

	// A batch: its response is complete with the last reply.
	value := []byte(`[{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":"a"},` +
		`{"jsonrpc":"2.0","method":"notify"},{"bad":1},{"jsonrpc":"2.0","method":"sum","params":[3],"id":"b"}]`)
	if n := x.Decode(value); n != 3 {
		t.Fatalf("Decode = %d answers, want 3", n)
	}
	var toAnswer []*wire.Message
	for {
		m := new(wire.Message)
		err := x.Next(m)
		if err == io.EOF {
			break
		}
		var me *wire.MessageError
		switch {
		case errors.As(err, &me):
			toAnswer = append(toAnswer, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: me.Code, Error: me.Error()})
		case err != nil:
			t.Fatal(err)
		case m.Type == wire.TypeCall:
			toAnswer = append(toAnswer, m)
		}
	}
	// Bodies are copies: the value's buffer can be reused at once.
	for i := range value {
		value[i] = 'X'
	}
	var response []byte
	for i, m := range toAnswer {
		r := m
		if m.Type == wire.TypeCall {
			var nums []int
			if err := json.Unmarshal(m.Body, &nums); err != nil {
				t.Fatalf("body %q: %v", m.Body, err)
			}
			sum := 0
			for _, n := range nums {
				sum += n
			}
			r = &wire.Message{Type: wire.TypeReply, Seq: m.Seq, Codec: 'j', Body: strconv.AppendInt(nil, int64(sum), 10)}
			m.Release()
		}
		out, done, err := x.Reply(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		if last := i == len(toAnswer)-1; done != last || (len(out) > 0) != last {
			t.Fatalf("reply %d: done %v, %q", i, done, out)
		}
		response = out
	}
	sameValues(t, response, []byte(`[{"jsonrpc":"2.0","result":3,"id":"a"},`+
		`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null},{"jsonrpc":"2.0","result":3,"id":"b"}]`))

	// Notifications only: no response at all.
	if n := x.Decode([]byte(`[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b"}]`)); n != 0 {
		t.Fatalf("Decode of notifications = %d", n)
	}
	var m wire.Message
	for range 2 {
		m.Reset()
		if err := x.Next(&m); err != nil || m.Type != wire.TypePush {
			t.Fatalf("Next: %v %v", m.Type, err)
		}
	}
	if err := x.Next(&m); err != io.EOF {
		t.Fatalf("Next: %v", err)
	}

	// A value another protocol could not read.
	if n := x.Refuse(nil, fmt.Errorf("body: %w", wire.ErrTooLarge)); n != 1 {
		t.Fatalf("Refuse = %d", n)
	}
	me := wiretest.AsMessageError(t, x.Next(&m), wire.ErrTooLarge)
	out, done, err := x.Reply(nil, &wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: wire.CodeTooLarge})
	if err != nil || !done {
		t.Fatalf("Reply: %v %v", done, err)
	}
	sameValues(t, out, []byte(`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}`))
	x.Refuse([]byte(`{"jsonrpc":"2.0","id":5,`), errors.New("truncated body"))
	me = wiretest.AsMessageError(t, x.Next(&m), wire.ErrMalformed)
	if !errors.Is(me, errParse) || me.Close {
		t.Fatalf("MessageError %+v", me)
	}

	// Decode drops what is left of the previous value.
	x.Decode([]byte(`[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b"}]`))
	x.Decode([]byte(`{"jsonrpc":"2.0","method":"c"}`))
	m.Reset()
	if err := x.Next(&m); err != nil || m.Method != "/c" {
		t.Fatalf("Next: %v %q", err, m.Method)
	}
}

// TestSeqsSkipWaiting checks that a seq still waiting for its reply, or 0,
// is not given out again when the counter wraps.
func TestSeqsSkipWaiting(t *testing.T) {
	seqs := []uint32{5, 0, 5, 6}
	x := newExchange(func() uint32 { s := seqs[0]; seqs = seqs[1:]; return s }, wire.Options{}, 0)
	var got []uint32
	for range 2 {
		x.Decode([]byte(`{"jsonrpc":"2.0","method":"a","id":1}`))
		var m wire.Message
		if err := x.Next(&m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Seq)
	}
	if got[0] != 5 || got[1] != 6 {
		t.Fatalf("seqs %v, want [5 6]", got)
	}
}

// TestConcurrentServe runs a server framer as the rpc layer does: one
// reader, handlers that reply from their own goroutines in any order, one
// writer at a time, over a real connection; the race detector checks the
// state the two sides share.
func TestConcurrentServe(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	f := Format{}.NewFramer(bufio.NewReader(server), wire.Options{})

	var wmu sync.Mutex
	var handlers sync.WaitGroup
	write := func(r *wire.Message) {
		wmu.Lock()
		defer wmu.Unlock()
		out, err := f.AppendMessage(nil, r)
		if err != nil {
			t.Error(err)
			return
		}
		if len(out) > 0 {
			server.Write(out)
		}
	}
	go func() {
		defer server.Close()
		for {
			m := new(wire.Message)
			err := f.ReadMessage(m)
			var me *wire.MessageError
			switch {
			case errors.As(err, &me):
				write(&wire.Message{Type: wire.TypeReply, Seq: me.Seq, Code: wire.CodeBadMessage})
				continue
			case err != nil:
				handlers.Wait()
				return
			case m.Type != wire.TypeCall:
				m.Release()
				continue
			}
			handlers.Add(1)
			go func() {
				defer handlers.Done()
				time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
				body := append([]byte(nil), m.Body...)
				m.Release()
				write(&wire.Message{Type: wire.TypeReply, Seq: m.Seq, Codec: 'j', Body: body})
			}()
		}
	}()

	const values = 200
	want := map[string]int{}
	for i := range values {
		switch i % 4 {
		case 0, 2:
			want[strconv.Itoa(i)]++
		case 1:
			want[strconv.Itoa(i)+"-a"]++
			want[strconv.Itoa(i)+"-b"]++
		}
	}
	go func() {
		w := bufio.NewWriter(client)
		for i := range values {
			switch i % 4 {
			case 0:
				fmt.Fprintf(w, `{"jsonrpc":"2.0","method":"echo","params":[%d],"id":%d}`+"\n", i, i)
			case 1:
				fmt.Fprintf(w, `[{"jsonrpc":"2.0","method":"echo","params":[%d],"id":"%d-a"},{"jsonrpc":"2.0","method":"n"},`+
					`{"jsonrpc":"2.0","method":"echo","params":[%d],"id":"%d-b"}]`, i, i, i, i)
			case 2:
				fmt.Fprintf(w, `{"jsonrpc":"2.0","method":1,"id":%d}`, i)
			case 3:
				fmt.Fprintf(w, `{"jsonrpc":"2.0","method":"n","params":[%d]}`, i)
			}
			if w.Flush() != nil {
				return
			}
		}
	}()

	d := json.NewDecoder(client)
	got := map[string]int{}
	for len(got) < len(want) {
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("after %d responses: %v", len(got), err)
		}
		rs, ok := v.([]any)
		if !ok {
			rs = []any{v}
		}
		for _, r := range rs {
			obj := r.(map[string]any)
			id := fmt.Sprint(obj["id"])
			got[id]++
			if res, ok := obj["result"].([]any); ok && fmt.Sprint(res[0]) != id[:len(fmt.Sprint(res[0]))] {
				t.Fatalf("response %v answers the wrong request", obj)
			}
		}
	}
	for id, n := range want {
		if got[id] != n {
			t.Fatalf("id %s answered %d times", id, got[id])
		}
	}
}

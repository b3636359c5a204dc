package wiretest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// testReadBudget checks that the reader reserves each frame's buffer from
// the budget before it allocates it: with room for one frame, a frame
// read while another is held is refused with ErrOverBudget and skipped,
// the stream kept in step, and once the first is released the next frame
// is read. Every reservation is given back with the buffer.
func (s *suite) testReadBudget(t *testing.T) {
	body := strings.Repeat("b", 300)
	a := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 1, "/a", body))
	b := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 2, "/b", body, "k", "v"))
	c := Encode(t, s.f, 0, NewMessage(wire.TypeCall, 3, "/c", body))
	need := int64(len(b) - wire.FrameLenSize) // the buffer of b, the largest
	budget := wire.NewBudget(need + need/2)   // room for one frame, not two
	r := s.f.NewFramer(bufio.NewReader(bytes.NewReader(slices.Concat(a, b, c))), wire.Options{Budget: budget})

	var held, m wire.Message
	if err := r.ReadMessage(&held); err != nil || held.Seq != 1 {
		t.Fatalf("first frame: seq %d, err %v", held.Seq, err)
	}
	if got, want := budget.Used(), int64(len(a)-wire.FrameLenSize); got != want {
		t.Fatalf("the budget holds %d bytes for a frame of %d", got, want)
	}
	err := r.ReadMessage(&m)
	me := AsMessageError(t, err, wire.ErrOverBudget)
	if me.Type != wire.TypeCall || me.Seq != 2 || me.Code != wire.CodeOverloaded || me.Close {
		t.Fatalf("MessageError %+v, want CALL seq 2 with CodeOverloaded, not closing", me)
	}
	s.checkError(t, err)
	m.Reset()
	held.Release()
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget still reserved after the release", n)
	}
	if err := r.ReadMessage(&m); err != nil || m.Seq != 3 || string(m.Body) != body {
		t.Fatalf("the frame after the refused one: seq %d, err %v", m.Seq, err)
	}
	m.Reset()
	if err := r.ReadMessage(&m); err != io.EOF {
		t.Fatalf("ReadMessage at the end: %v, want io.EOF", err)
	}
	if n := budget.Used(); n != 0 {
		t.Fatalf("%d bytes of the budget still reserved at the end", n)
	}
}

// checkBudget reads every frame of stream with a counting budget, and
// checks that nothing is reserved once each message is Reset, whatever
// became of the frames: read, refused, malformed.
func (s *suite) checkBudget(t *testing.T, stream []byte, opts wire.Options) {
	t.Helper()
	opts.Budget = wire.NewBudget(0)
	r := s.f.NewFramer(bufio.NewReader(bytes.NewReader(stream)), opts)
	var m wire.Message
	for {
		err := r.ReadMessage(&m)
		m.Reset()
		if n := opts.Budget.Used(); n != 0 {
			t.Fatalf("%d bytes of the budget reserved after a read (%v) and a Reset", n, err)
		}
		var me *wire.MessageError
		if err != nil && !errors.As(err, &me) {
			return
		}
	}
}

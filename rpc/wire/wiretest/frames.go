package wiretest

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// testFrames reads each of the format's own frames, then the frame after
// it, and checks that no path leaves a reservation of the budget behind.
func (s *suite) testFrames(t *testing.T) {
	if len(s.o.Frames) == 0 {
		t.Skip("the format gives no frames of its own")
	}
	after := Encode(t, s.f, 0, next())
	for _, fr := range s.o.Frames {
		t.Run(fr.Name, func(t *testing.T) {
			s.checkBudget(t, slices.Concat(fr.Frame, after), wire.Options{MaxMessageSize: fr.Limit})
			src := bytes.NewReader(slices.Concat(fr.Frame, after))
			br := bufio.NewReader(src)
			if fr.BufSize > 0 {
				br = bufio.NewReaderSize(src, fr.BufSize)
			}
			r := s.f.NewFramer(br, wire.Options{MaxMessageSize: fr.Limit})
			var m wire.Message
			err := r.ReadMessage(&m)
			if fr.Want != nil {
				if err != nil {
					t.Fatalf("ReadMessage: %v", err)
				}
				if d := s.o.Diff(&m, fr.Want); d != "" {
					t.Fatalf("%s: got %+v", d, m)
				}
				m.Reset()
				s.readOn(t, r, &wire.MessageError{}, fr.Limit, fr.BufSize > 0)
				return
			}
			me := AsMessageError(t, err, fr.Err)
			if me.Type != fr.Type || me.Seq != fr.Seq {
				t.Errorf("MessageError %v seq %d, want %v seq %d", me.Type, me.Seq, fr.Type, fr.Seq)
			}
			s.checkError(t, err)
			if !strings.Contains(err.Error(), fr.Reason) {
				t.Errorf("error %q does not say %q", err, fr.Reason)
			}
			if me.Close != fr.Close {
				t.Errorf("MessageError Close %v, want %v", me.Close, fr.Close)
			}
			m.Reset()
			s.readOn(t, r, me, fr.Limit, fr.BufSize > 0)
		})
	}
}

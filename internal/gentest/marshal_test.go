package gentest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/codec/protofast"
	"google.golang.org/protobuf/proto"
)

// TestMarshalMatchesProto compares the generated encoding of random
// messages with proto's deterministic one, and decodes proto's encoding
// back. Legacy messages miss required fields now and then: both must fail.
func TestMarshalMatchesProto(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 1500 {
		for _, m := range []message{randomAll(r, false), randomLegacy(r)} {
			want, werr := deterministic.Marshal(m)
			if n := m.DmicroSize(); werr == nil && n != len(want) {
				t.Fatalf("%T %d: DmicroSize = %d, proto's encoding has %d bytes", m, i, n, len(want))
			}
			got, err := m.DmicroMarshalAppend([]byte("prefix"))
			if (err != nil) != (werr != nil) {
				t.Fatalf("%T %d: DmicroMarshalAppend error %v, proto's %v", m, i, err, werr)
			}
			if err != nil {
				if !errors.Is(err, protofast.ErrRequired) {
					t.Fatalf("%T %d: error %v does not wrap ErrRequired", m, i, err)
				}
				continue
			}
			if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
				t.Fatalf("%T %d: DmicroMarshalAppend differs from proto:\n got %x\nwant %x", m, i, got[6:], want)
			}
			back := m.ProtoReflect().Type().New().Interface().(message)
			if err := back.DmicroUnmarshal(want); err != nil {
				t.Fatalf("%T %d: DmicroUnmarshal of proto's encoding: %v", m, i, err)
			}
			if !proto.Equal(back, m) {
				t.Fatalf("%T %d: DmicroUnmarshal gives %v, want %v", m, i, back, m)
			}
		}
	}
}

// TestMarshalInvalidUTF8 checks that the generated marshalling rejects
// strings that are not valid UTF-8 exactly when proto does.
func TestMarshalInvalidUTF8(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	bad := 0
	for i := range 2000 {
		m := randomAll(r, true)
		_, werr := deterministic.Marshal(m)
		got, err := m.DmicroMarshalAppend(nil)
		if (err != nil) != (werr != nil) {
			t.Fatalf("message %d: DmicroMarshalAppend error %v, proto's %v", i, err, werr)
		}
		if err != nil {
			bad++
			if !errors.Is(err, protofast.ErrInvalidUTF8) {
				t.Fatalf("message %d: error %v does not wrap ErrInvalidUTF8", i, err)
			}
			continue
		}
		want, _ := deterministic.Marshal(m)
		if !bytes.Equal(got, want) {
			t.Fatalf("message %d: differs from proto", i)
		}
	}
	if bad == 0 {
		t.Fatal("no message had invalid UTF-8")
	}
}

// TestNilAndEmpty checks nil receivers and empty messages.
func TestNilAndEmpty(t *testing.T) {
	var m *All
	if m.DmicroSize() != 0 {
		t.Error("nil message has a size")
	}
	if b, err := m.DmicroMarshalAppend(nil); err != nil || len(b) != 0 {
		t.Errorf("nil message encodes as %x, %v", b, err)
	}
	if err := m.DmicroUnmarshal(nil); !errors.Is(err, protofast.ErrNil) {
		t.Errorf("decoding into nil: %v", err)
	}
	full := randomAll(rand.New(rand.NewPCG(5, 6)), false)
	if err := full.DmicroUnmarshal(nil); err != nil || !proto.Equal(full, new(All)) {
		t.Errorf("decoding nothing does not reset: %v, %v", err, full)
	}
}

// TestUnmarshalDoesNotAlias checks that decoded strings and bytes do not
// refer to the caller's buffer.
func TestUnmarshalDoesNotAlias(t *testing.T) {
	in := &All{Scalars: &Scalars{Str: "hello", Bs: []byte("world")}, RStr: []string{"x"}}
	b, _ := proto.Marshal(in)
	out := new(All)
	if err := out.DmicroUnmarshal(b); err != nil {
		t.Fatal(err)
	}
	clear(b)
	if !proto.Equal(in, out) {
		t.Fatalf("decoded message changed with the input buffer: %v", out)
	}
	out.Scalars.Bs = append(out.Scalars.Bs, '!')
	if out.Scalars.Str != "hello" {
		t.Fatal("appending to a bytes field overwrote a string")
	}
}

// TestMarshalConcurrent marshals one message from several goroutines: the
// size caches they share are written atomically (run with -race).
func TestMarshalConcurrent(t *testing.T) {
	m := randomAll(rand.New(rand.NewPCG(13, 14)), false)
	want, err := deterministic.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for range 50 {
				got, err := m.DmicroMarshalAppend(nil)
				if err == nil && !bytes.Equal(got, want) {
					err = errors.New("concurrent marshal differs from proto")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

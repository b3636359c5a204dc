package gentest

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
)

// FuzzUnmarshal checks that DmicroUnmarshal accepts exactly what
// proto.Unmarshal accepts, gives an equal message that re-marshals to
// proto's deterministic encoding of its result, and never panics.
func FuzzUnmarshal(f *testing.F) {
	for _, b := range cases() {
		if len(b) < 1000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareUnmarshal(t, b, new(All))
		compareUnmarshal(t, b, new(Recursive))
		compareUnmarshal(t, b, new(Empty))
	})
}

// FuzzRoundTrip decodes input with proto, then checks that the generated
// code encodes the message as proto does and decodes it back.
func FuzzRoundTrip(f *testing.F) {
	for _, b := range cases() {
		if len(b) < 1000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(All)
		if proto.Unmarshal(b, m) != nil {
			return
		}
		want, err := deterministic.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.DmicroMarshalAppend(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("DmicroMarshalAppend = %x, %v; proto %x", got, err, want)
		}
		back := new(All)
		if err := back.DmicroUnmarshal(got); err != nil || !proto.Equal(back, m) {
			t.Fatalf("DmicroUnmarshal = %v, %v; want %v", back, err, m)
		}
	})
}

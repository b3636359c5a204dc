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
		compareUnmarshal(t, b, new(Legacy))
	})
}

// FuzzRoundTrip decodes input with proto, then checks that the generated
// code encodes the message as proto does and decodes it back, for a proto3
// and a proto2 message.
func FuzzRoundTrip(f *testing.F) {
	for _, b := range cases() {
		if len(b) < 1000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip(t, b, new(All))
		roundTrip(t, b, new(Legacy))
	})
}

// roundTrip decodes b into m with proto, then checks that the generated
// code encodes m as proto does (or fails as it does: proto.Unmarshal lets
// some missing required fields through) and decodes it back.
func roundTrip(t *testing.T, b []byte, m message) {
	t.Helper()
	if proto.Unmarshal(b, m) != nil {
		return
	}
	want, werr := deterministic.Marshal(m)
	got, err := m.DmicroMarshalAppend(nil)
	if (err != nil) != (werr != nil) || err == nil && !bytes.Equal(got, want) {
		t.Fatalf("%T: DmicroMarshalAppend = %x, %v; proto %x, %v", m, got, err, want, werr)
	}
	if err != nil {
		return
	}
	back := m.ProtoReflect().Type().New().Interface().(message)
	if err := back.DmicroUnmarshal(got); err != nil || !proto.Equal(back, m) {
		t.Fatalf("%T: DmicroUnmarshal = %v, %v; want %v", m, back, err, m)
	}
}

package codec

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// marshalBody marshals v with c after a prefix, checks that Marshal
// appended to it, and returns the body alone.
func marshalBody(t *testing.T, c Codec, v any) []byte {
	t.Helper()
	prefix := []byte("<prefix>")
	b, err := c.Marshal(prefix[:len(prefix):len(prefix)], v)
	if err != nil {
		t.Fatalf("%s.Marshal(%#v): %v", c.Name(), v, err)
	}
	if !bytes.HasPrefix(b, prefix) {
		t.Fatalf("%s.Marshal did not append to dst: %q", c.Name(), b)
	}
	return b[len(prefix):]
}

// roundTrip marshals in with c and unmarshals the body into a new value of
// the type of in, which it returns. When in is a pointer, it decodes into a
// new value of the pointed-to type and returns a pointer to it. It then
// overwrites the body, so that a decoded value still referring to it shows
// up as a difference.
func roundTrip(t *testing.T, c Codec, in any) any {
	t.Helper()
	body := bytes.Clone(marshalBody(t, c, in))
	typ := reflect.TypeOf(in)
	isPtr := typ.Kind() == reflect.Pointer
	if isPtr {
		typ = typ.Elem()
	}
	out := reflect.New(typ)
	if err := c.Unmarshal(body, out.Interface()); err != nil {
		t.Fatalf("%s.Unmarshal(%q): %v", c.Name(), body, err)
	}
	for i := range body {
		body[i] = '#'
	}
	if isPtr {
		return out.Interface()
	}
	return out.Elem().Interface()
}

// checkErr fails unless err wraps want, or is nil when want is nil. Every
// error of the package must also start with "codec: ".
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error %v, want one wrapping %v", err, want)
	case err != nil && !bytes.HasPrefix([]byte(err.Error()), []byte("codec: ")):
		t.Fatalf("error %q does not start with \"codec: \"", err)
	}
}

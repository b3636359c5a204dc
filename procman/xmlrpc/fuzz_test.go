package xmlrpc_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// The corpora in testdata/fuzz hold encodings of valid documents, as this
// package and as Python write them; the targets add the values of the
// round-trip tests and the malformed documents of the parser tests.

// encodable reports whether v, a value as the parser returns it, has an
// XML-RPC form the marshaller writes: the parser reads 64-bit ints,
// non-finite doubles and dates a zone moves out of years 0-9999, which
// the marshaller refuses.
func encodable(v any) bool {
	switch v := v.(type) {
	case int:
		return v >= math.MinInt32 && v <= math.MaxInt32
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	case time.Time:
		return v.Year() >= 0 && v.Year() <= 9999
	case []any:
		for _, x := range v {
			if !encodable(x) {
				return false
			}
		}
	case map[string]any:
		for _, x := range v {
			if !encodable(x) {
				return false
			}
		}
	}
	return true
}

// scramble overwrites b, so that a parsed value still referring to its
// input shows up as a difference.
func scramble(b []byte) {
	for i := range b {
		b[i] = ^b[i]
	}
}

func FuzzUnmarshalCall(f *testing.F) {
	for _, tc := range roundTrips() {
		doc, err := xmlrpc.MarshalCall("t.echo", []any{tc.in})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	for _, m := range malformed {
		f.Add([]byte(m.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		method, params, err := xmlrpc.UnmarshalCall(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "xmlrpc: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		out, err := xmlrpc.MarshalCall(method, params)
		if err != nil {
			if !encodable(params) {
				return
			}
			t.Fatalf("MarshalCall of %q %#v, parsed from %q: %v", method, params, data, err)
		}
		scramble(in)
		method2, params2, err := xmlrpc.UnmarshalCall(out)
		if err != nil {
			t.Fatalf("UnmarshalCall(%q), the encoding of %q %#v: %v", out, method, params, err)
		}
		if method2 != method || !equalValues(params2, params) {
			t.Fatalf("round trip of %q:\nfirst  %q %#v\nsecond %q %#v\nvia %q", data, method, params, method2, params2, out)
		}
		if out2, err := xmlrpc.MarshalCall(method2, params2); err != nil || !bytes.Equal(out2, out) {
			t.Fatalf("the encoding is not stable:\n%q\n%q (%v)", out, out2, err)
		}
	})
}

func FuzzUnmarshalResponse(f *testing.F) {
	for _, tc := range roundTrips() {
		doc, err := xmlrpc.MarshalResponse(tc.in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Add(xmlrpc.MarshalFault(xmlrpc.Faultf(xmlrpc.FaultBadName, "web:web_0")))
	for _, m := range malformed {
		f.Add([]byte(m.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		var v any
		err := xmlrpc.UnmarshalResponse(in, &v)
		if fault, ok := errors.AsType[*xmlrpc.Fault](err); ok {
			out := xmlrpc.MarshalFault(fault)
			scramble(in)
			err := xmlrpc.UnmarshalResponse(out, nil)
			if f2, ok := errors.AsType[*xmlrpc.Fault](err); !ok || *f2 != *fault {
				t.Fatalf("round trip of fault %+v, parsed from %q: %v via %q", fault, data, err, out)
			}
			return
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "xmlrpc: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		out, err := xmlrpc.MarshalResponse(v)
		if err != nil {
			if !encodable(v) {
				return
			}
			t.Fatalf("MarshalResponse of %#v, parsed from %q: %v", v, data, err)
		}
		scramble(in)
		var v2 any
		if err := xmlrpc.UnmarshalResponse(out, &v2); err != nil {
			t.Fatalf("UnmarshalResponse(%q), the encoding of %#v: %v", out, v, err)
		}
		if !equalValues(v2, v) {
			t.Fatalf("round trip of %q:\nfirst  %#v\nsecond %#v\nvia %q", data, v, v2, out)
		}
	})
}

package conf

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that it is deterministic,
// that each of its faults is a located *Error, and that a file it accepts
// reads back the same from what WriteTo writes of it.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample), "dev", "DMICRO_APP_DEBUG=true\nDMICRO_SANDBOX_DRPCSANDBOX_LISTENADDR=:1")
	f.Add([]byte("[m]\na = \"x\\ty\" ; c\nb = c;d\n"), "", "")
	f.Add([]byte("[sandbox.s]\nFormats = raw, http\nMaxMessageSize = 1MiB\n[sandbox.s @prod]\nReadTimeout = 1m\n"), "prod", "DMICRO_SANDBOX_S_MAX_CONNS=4")
	f.Add([]byte("[a]\nk=1\n[a]\n"), "", "")
	f.Fuzz(func(t *testing.T, data []byte, env, environ string) {
		vars := strings.Split(environ, "\n")
		f1, err1 := Parse("f.conf", data, env, vars)
		f2, err2 := Parse("f.conf", data, env, vars)
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("Parse is not deterministic: %v, then %v", err1, err2)
		}
		if err1 != nil {
			checkFaults(t, err1)
			return
		}
		out := render(t, f1)
		if out2 := render(t, f2); out != out2 {
			t.Fatalf("WriteTo is not deterministic:\n%s\nthen\n%s", out, out2)
		}
		back, err := Parse("f.conf", []byte(out), "", nil)
		if err != nil {
			t.Fatalf("Parse of WriteTo's output failed: %v\n%s", err, out)
		}
		if again := render(t, back); again != out {
			t.Fatalf("round trip changed the file:\n%s\nthen\n%s", out, again)
		}
		if back.App() != f1.App() {
			t.Fatalf("App = %+v, then %+v", f1.App(), back.App())
		}
		for _, name := range f1.Sections() {
			s, b := f1.Section(name), back.Section(name)
			for _, k := range s.Keys() {
				v1, _ := s.Lookup(k)
				if v2, ok := b.Lookup(k); !ok || v1 != v2 {
					t.Fatalf("[%s] %s = %q, then %q", name, k, v1, v2)
				}
			}
			exercise(s)
		}
	})
}

// checkFaults checks that every fault of err is an *Error located at a
// line or a variable.
func checkFaults(t *testing.T, err error) {
	t.Helper()
	faults := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		faults = j.Unwrap()
	}
	for _, e := range faults {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Fatalf("fault %v is not an *Error", e)
		}
		if ce.Line <= 0 && ce.Env == "" {
			t.Fatalf("fault %v has no line or variable", e)
		}
		if ce.Kind != ErrSyntax && ce.Kind != ErrDuplicate && ce.Kind != ErrUnknownKey && ce.Kind != ErrBadValue {
			t.Fatalf("fault %v has kind %v", e, ce.Kind)
		}
	}
}

// exercise reads s every way, for panics.
func exercise(s *Section) {
	for _, k := range s.Keys() {
		_ = s.String(k, "")
		_, _ = s.Strings(k, nil)
		_, _ = s.Duration(k, 0)
		_, _ = s.Int(k, 0)
		_, _ = s.Float(k, 0)
		_, _ = s.Bool(k, false)
		_, _ = s.Size(k, 0)
	}
	var v struct {
		Common
		S  string
		I  int8
		U  uint
		F  float32
		D  time.Duration
		L  []string
		Z  int64 `conf:",size"`
		ZU uint8 `conf:",size"`
	}
	_ = s.Decode(&v)
	if !s.Has("TLSCert") {
		_, _ = s.Endpoint()
	}
}

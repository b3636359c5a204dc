package xmlrpc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

func TestRegister(t *testing.T) {
	srv := &xmlrpc.Server{}
	type started struct {
		Name   string `xmlrpc:"name"`
		Waited bool   `xmlrpc:"waited"`
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.Register("supervisor.startProcess", func(ctx context.Context, name string, wait ...bool) (started, error) {
		if name == "" {
			return started{}, xmlrpc.Faultf(xmlrpc.FaultBadName, "%q", name)
		}
		w := true
		if len(wait) > 0 {
			w = wait[0]
		}
		if len(wait) > 1 {
			return started{}, xmlrpc.NewFault(xmlrpc.FaultIncorrectParameters)
		}
		return started{name, w}, nil
	}))
	must(srv.Register("t.sum", func(_ context.Context, xs []int, scale float64) (float64, error) {
		s := 0
		for _, x := range xs {
			s += x
		}
		return float64(s) * scale, nil
	}))
	must(srv.Register("t.info", func(_ context.Context, info processInfo, p *int) (string, error) {
		if p != nil {
			return "", errors.New("p is set")
		}
		return info.Group + ":" + info.Name, nil
	}))
	must(srv.Register("t.none", func(context.Context) (any, error) { return nil, nil }))

	c := newClient(t, serveUnix(t, rpcMux(srv)), nil)
	var st started
	must(c.Call(t.Context(), "supervisor.startProcess", []any{"web"}, &st))
	if st != (started{"web", true}) {
		t.Errorf("default wait: %+v", st)
	}
	must(c.Call(t.Context(), "supervisor.startProcess", []any{"web", false}, &st))
	if st != (started{"web", false}) {
		t.Errorf("wait=false: %+v", st)
	}
	var f float64
	must(c.Call(t.Context(), "t.sum", []any{[]any{1, 2, 3}, 0.5}, &f))
	if f != 3 {
		t.Errorf("sum = %v", f)
	}
	var s string
	must(c.Call(t.Context(), "t.info", []any{map[string]any{"name": "a", "group": "g"}, nil}, &s))
	if s != "g:a" {
		t.Errorf("info = %q", s)
	}
	var v any = "unchanged"
	must(c.Call(t.Context(), "t.none", nil, &v))
	if v != nil {
		t.Errorf("none = %#v", v)
	}

	for _, tc := range []struct {
		method string
		params []any
		code   int
		str    string
	}{
		{"supervisor.startProcess", nil, xmlrpc.FaultIncorrectParameters, "INCORRECT_PARAMETERS"},
		{"supervisor.startProcess", []any{"web", true, true}, xmlrpc.FaultIncorrectParameters, "INCORRECT_PARAMETERS"},
		{"supervisor.startProcess", []any{""}, xmlrpc.FaultBadName, `BAD_NAME: ""`},
		{"supervisor.startProcess", []any{1}, xmlrpc.FaultIncorrectParameters, "INCORRECT_PARAMETERS: param 1: cannot decode int into string"},
		{"supervisor.startProcess", []any{"web", "yes"}, xmlrpc.FaultIncorrectParameters, "INCORRECT_PARAMETERS: param 2: cannot decode string into bool"},
		{"t.sum", []any{[]any{1, "2"}, 1}, xmlrpc.FaultIncorrectParameters, "INCORRECT_PARAMETERS: param 1: cannot decode string into int at [1]"},
		{"t.sum", []any{[]any{}}, xmlrpc.FaultIncorrectParameters, "INCORRECT_PARAMETERS"},
		{"t.info", []any{map[string]any{}, 1}, xmlrpc.FaultFailed, "FAILED: p is set"},
		{"t.none", []any{1}, xmlrpc.FaultIncorrectParameters, "INCORRECT_PARAMETERS"},
	} {
		err := c.Call(t.Context(), tc.method, tc.params, nil)
		if f, ok := errors.AsType[*xmlrpc.Fault](err); !ok || f.Code != tc.code || f.String != tc.str {
			t.Errorf("%s%v: got %v, want %d %q", tc.method, tc.params, err, tc.code, tc.str)
		}
	}

	// In-process calls may pass Go values.
	res, err := srv.Call(t.Context(), "t.sum", []any{[]int{4, 4}, 2.0})
	if err != nil || res != 16.0 {
		t.Errorf("in-process Call: %v %v", res, err)
	}
}

func TestRegisterRejects(t *testing.T) {
	srv := &xmlrpc.Server{}
	for name, fn := range map[string]any{
		"not a func":        42,
		"nil func":          (func(context.Context) (int, error))(nil),
		"no context":        func(string) (int, error) { return 0, nil },
		"context not first": func(string, context.Context) (int, error) { return 0, nil },
		"no error":          func(context.Context) int { return 0 },
		"error only":        func(context.Context) error { return nil },
		//lint:ignore ST1008 the wrong order is the point
		"error not last":    func(context.Context) (error, int) { return nil, 0 },
		"three results":     func(context.Context) (int, int, error) { return 0, 0, nil },
		"*Fault, not error": func(context.Context) (int, *xmlrpc.Fault) { return 0, nil },
	} {
		if err := srv.Register("t.x", fn); err == nil || !strings.HasPrefix(err.Error(), "xmlrpc: Register t.x: ") {
			t.Errorf("%s: Register = %v", name, err)
		}
	}
	if err := srv.Register("", func(context.Context) (int, error) { return 0, nil }); err == nil {
		t.Error("Register with an empty name succeeded")
	}
	if got := srv.Methods(); len(got) != 2 {
		t.Errorf("failed registrations registered: %q", got)
	}
}

package xmlrpc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// post sends body to ep's /RPC2 with the headers given as name, value
// pairs, and returns the status, the headers and the body of the answer.
// net/http strips the answer's "Connection: close" into resp.Close; post
// puts it back among the headers.
func post(t *testing.T, ep endpoint, method string, body io.Reader, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, ep.base, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ep.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Close {
		resp.Header.Set("Connection", "close")
	}
	return resp.StatusCode, resp.Header, string(b)
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chunked hides a reader's length from net/http, so that the request has
// no Content-Length.
type chunked struct{ io.Reader }

func TestServerHTTP(t *testing.T) {
	srv := &xmlrpc.Server{MaxBodyBytes: 4096}
	srv.Handle("t.echo", func(_ context.Context, params []any) (any, error) { return params, nil })
	valid, err := xmlrpc.MarshalCall("t.echo", []any{"hi"})
	if err != nil {
		t.Fatal(err)
	}
	big, err := xmlrpc.MarshalCall("t.echo", []any{strings.Repeat("x", 5000)})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		method  string
		body    func() io.Reader
		headers []string
		status  int
	}{
		{"valid", "POST", func() io.Reader { return bytes.NewReader(valid) }, []string{"Content-Type", "text/xml"}, 200},
		{"no content type", "POST", func() io.Reader { return bytes.NewReader(valid) }, nil, 200},
		{"charset", "POST", func() io.Reader { return bytes.NewReader(valid) }, []string{"Content-Type", "text/xml; charset=utf-8"}, 200},
		{"application/xml", "POST", func() io.Reader { return bytes.NewReader(valid) }, []string{"Content-Type", "application/xml"}, 200},
		{"chunked", "POST", func() io.Reader { return chunked{bytes.NewReader(valid)} }, []string{"Content-Type", "text/xml"}, 200},
		{"gzip", "POST", func() io.Reader { return bytes.NewReader(gzipped(t, valid)) }, []string{"Content-Encoding", "gzip"}, 200},
		{"GET", "GET", func() io.Reader { return nil }, nil, 405},
		{"PUT", "PUT", func() io.Reader { return bytes.NewReader(valid) }, nil, 405},
		{"JSON", "POST", func() io.Reader { return strings.NewReader(`{"a":1}`) }, []string{"Content-Type", "application/json"}, 415},
		{"form", "POST", func() io.Reader { return bytes.NewReader(valid) }, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"bad content type", "POST", func() io.Reader { return bytes.NewReader(valid) }, []string{"Content-Type", "text/"}, 415},
		{"brotli", "POST", func() io.Reader { return bytes.NewReader(valid) }, []string{"Content-Encoding", "br"}, 415},
		{"bad gzip", "POST", func() io.Reader { return bytes.NewReader(valid) }, []string{"Content-Encoding", "gzip"}, 400},
		{"too large", "POST", func() io.Reader { return bytes.NewReader(big) }, nil, 413},
		{"too large, chunked", "POST", func() io.Reader { return chunked{bytes.NewReader(big)} }, nil, 413},
		{"too large once decompressed", "POST", func() io.Reader { return bytes.NewReader(gzipped(t, big)) }, []string{"Content-Encoding", "gzip"}, 413},
		{"empty", "POST", func() io.Reader { return nil }, nil, 400},
		{"malformed", "POST", func() io.Reader { return strings.NewReader("<methodCall><methodName>t.echo") }, nil, 400},
		{"not a call", "POST", func() io.Reader { return strings.NewReader("<methodResponse><params/></methodResponse>") }, nil, 400},
	}
	for _, ep := range serveAll(t, rpcMux(srv)) {
		t.Run(ep.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					status, h, body := post(t, ep, tc.method, tc.body(), tc.headers...)
					if status != tc.status {
						t.Fatalf("status %d, want %d; body %q", status, tc.status, body)
					}
					if status == 405 && h.Get("Allow") != "POST" {
						t.Errorf("405 with Allow %q", h.Get("Allow"))
					}
					if status != 200 {
						return
					}
					if ct := h.Get("Content-Type"); ct != "text/xml" {
						t.Errorf("Content-Type %q", ct)
					}
					if cl := h.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
						t.Errorf("Content-Length %q for %d bytes", cl, len(body))
					}
					var got []string
					if err := xmlrpc.UnmarshalResponse([]byte(body), &got); err != nil || !slices.Equal(got, []string{"hi"}) {
						t.Errorf("response %q: %v %v", body, got, err)
					}
				})
			}
		})
	}
}

// testError is an error type of its own, to show that FaultOf looks for
// faults through wrapping.
type testError struct{ f *xmlrpc.Fault }

func (e testError) Error() string { return "wrapped: " + e.f.String }
func (e testError) Unwrap() error { return e.f }

func TestServerFaults(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	srv := &xmlrpc.Server{Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))}
	srv.Handle("t.fault", func(context.Context, []any) (any, error) {
		return nil, xmlrpc.Faultf(xmlrpc.FaultBadName, "nope")
	})
	srv.Handle("t.wrapped", func(context.Context, []any) (any, error) {
		return nil, testError{xmlrpc.NewFault(xmlrpc.FaultNotRunning)}
	})
	srv.Handle("t.error", func(context.Context, []any) (any, error) {
		return nil, errors.New("disk full")
	})
	srv.Handle("t.panic", func(context.Context, []any) (any, error) {
		panic("boom")
	})
	srv.Handle("t.unmarshallable", func(context.Context, []any) (any, error) {
		return make(chan int), nil
	})
	srv.Handle("t.nilfault", func(context.Context, []any) (any, error) {
		var f *xmlrpc.Fault
		return "ok", f
	})
	cases := []struct {
		method string
		code   int
		str    string
	}{
		{"t.fault", xmlrpc.FaultBadName, "BAD_NAME: nope"},
		{"t.wrapped", xmlrpc.FaultNotRunning, "NOT_RUNNING"},
		{"t.error", xmlrpc.FaultFailed, "FAILED: disk full"},
		{"t.panic", xmlrpc.FaultFailed, "FAILED: panic: boom"},
		{"t.unmarshallable", xmlrpc.FaultFailed, "FAILED: xmlrpc: cannot marshal chan int"},
		{"t.missing", xmlrpc.FaultUnknownMethod, "UNKNOWN_METHOD"},
	}
	for _, ep := range serveAll(t, rpcMux(srv)) {
		t.Run(ep.name, func(t *testing.T) {
			c := newClient(t, ep, nil)
			for _, tc := range cases {
				err := c.Call(t.Context(), tc.method, nil, nil)
				f, ok := errors.AsType[*xmlrpc.Fault](err)
				if !ok || f.Code != tc.code || f.String != tc.str {
					t.Errorf("%s: got %v, want fault %d %q", tc.method, err, tc.code, tc.str)
				}
			}
			var s string
			if err := c.Call(t.Context(), "t.nilfault", nil, &s); err != nil || s != "ok" {
				t.Errorf("a nil *Fault: %q %v", s, err)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "method panicked") || !strings.Contains(logs.String(), "panic=boom") || !strings.Contains(logs.String(), "server_test.go") {
		t.Errorf("the panic's log lacks the panic or its stack:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestServerSystemMethods(t *testing.T) {
	srv := &xmlrpc.Server{}
	srv.Handle("t.echo", func(_ context.Context, params []any) (any, error) { return params, nil })
	srv.Handle("t.fail", func(context.Context, []any) (any, error) { return nil, xmlrpc.NewFault(xmlrpc.FaultNoFile) })
	srv.Handle("t.panic", func(context.Context, []any) (any, error) { panic("boom") })
	srv.Handle("t.chan", func(context.Context, []any) (any, error) { return make(chan int), nil })
	ep := serveUnix(t, rpcMux(srv))
	c := newClient(t, ep, nil)

	var names []string
	if err := c.Call(t.Context(), "system.listMethods", nil, &names); err != nil {
		t.Fatal(err)
	}
	want := []string{"system.listMethods", "system.multicall", "t.chan", "t.echo", "t.fail", "t.panic"}
	if !slices.Equal(names, want) {
		t.Errorf("listMethods = %q, want %q", names, want)
	}
	if err := c.Call(t.Context(), "system.listMethods", []any{1}, nil); !isFault(err, xmlrpc.FaultIncorrectParameters) {
		t.Errorf("listMethods with a param: %v", err)
	}

	// A multicall as Python's xmlrpc.client.MultiCall sends it, with the
	// malformed calls it might be sent besides.
	calls := []any{
		map[string]any{"methodName": "t.echo", "params": []any{1, "a"}},
		map[string]any{"methodName": "t.fail", "params": []any{}},
		map[string]any{"methodName": "t.echo"}, // no params: none
		map[string]any{"methodName": "t.missing", "params": []any{}},
		map[string]any{"params": []any{}},
		map[string]any{"methodName": "system.multicall", "params": []any{[]any{}}},
		map[string]any{"methodName": "t.echo", "params": "x"},
		"not a struct",
		map[string]any{"methodName": "t.panic"},
		map[string]any{"methodName": "t.chan"},
		map[string]any{"methodName": "system.listMethods"},
	}
	var got []any
	if err := c.Call(t.Context(), "system.multicall", []any{calls}, &got); err != nil {
		t.Fatal(err)
	}
	fault := func(code int, s string) any { return map[string]any{"faultCode": code, "faultString": s} }
	wantResults := []any{
		[]any{[]any{1, "a"}},
		fault(20, "NO_FILE"),
		[]any{[]any{}},
		fault(1, "UNKNOWN_METHOD"),
		fault(2, "INCORRECT_PARAMETERS: No methodName"),
		fault(2, "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"),
		fault(2, "INCORRECT_PARAMETERS: params is an array, not string"),
		fault(2, "INCORRECT_PARAMETERS: a call is a struct, not string"),
		fault(30, "FAILED: panic: boom"),
		fault(30, "FAILED: xmlrpc: cannot marshal chan int"),
		[]any{[]any{"system.listMethods", "system.multicall", "t.chan", "t.echo", "t.fail", "t.panic"}},
	}
	if len(got) != len(wantResults) {
		t.Fatalf("%d results for %d calls: %#v", len(got), len(calls), got)
	}
	for i := range got {
		if !equalValues(got[i], wantResults[i]) {
			t.Errorf("result %d: got %#v, want %#v", i, got[i], wantResults[i])
		}
	}
	for _, params := range [][]any{nil, {"x"}, {[]any{}, []any{}}} {
		if err := c.Call(t.Context(), "system.multicall", params, nil); !isFault(err, xmlrpc.FaultIncorrectParameters) {
			t.Errorf("multicall%v: %v", params, err)
		}
	}

	// A registered method replaces a built-in one.
	srv.Handle("system.listMethods", func(context.Context, []any) (any, error) { return "mine", nil })
	var s string
	if err := c.Call(t.Context(), "system.listMethods", nil, &s); err != nil || s != "mine" {
		t.Errorf("replaced listMethods: %q %v", s, err)
	}
}

func isFault(err error, code int) bool {
	f, ok := errors.AsType[*xmlrpc.Fault](err)
	return ok && f.Code == code
}

// TestServerConcurrent registers methods while clients call others; run it
// with -race.
func TestServerConcurrent(t *testing.T) {
	srv := &xmlrpc.Server{}
	srv.Handle("t.echo", func(_ context.Context, params []any) (any, error) { return params[0], nil })
	ep := serveTCP(t, rpcMux(srv))
	c := newClient(t, ep, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				var n int
				if err := c.Call(t.Context(), "t.echo", []any{g*100 + i}, &n); err != nil || n != g*100+i {
					errs <- fmt.Errorf("echo %d: %d %v", g*100+i, n, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			srv.Handle("t.m"+strconv.Itoa(i), func(context.Context, []any) (any, error) { return i, nil })
			_ = srv.Methods()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestHandlePanics(t *testing.T) {
	for name, f := range map[string]func(){
		"empty name": func() { new(xmlrpc.Server).Handle("", func(context.Context, []any) (any, error) { return nil, nil }) },
		"nil func":   func() { new(xmlrpc.Server).Handle("a.b", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestBasicAuth(t *testing.T) {
	srv := &xmlrpc.Server{}
	srv.Handle("t.ok", func(context.Context, []any) (any, error) { return true, nil })
	// sha1("secret") = e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4
	for _, password := range []string{"secret", "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"} {
		t.Run(password, func(t *testing.T) {
			for _, ep := range serveAll(t, xmlrpc.BasicAuth(rpcMux(srv), "user", password)) {
				t.Run(ep.name, func(t *testing.T) {
					for _, tc := range []struct {
						name     string
						opts     *xmlrpc.ClientOptions
						wantCode int
					}{
						{"none", nil, 401},
						{"wrong password", &xmlrpc.ClientOptions{Username: "user", Password: "wrong"}, 401},
						{"wrong user", &xmlrpc.ClientOptions{Username: "root", Password: "secret"}, 401},
						{"the digest as password", &xmlrpc.ClientOptions{Username: "user", Password: "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"}, 401},
						{"right", &xmlrpc.ClientOptions{Username: "user", Password: "secret"}, 0},
					} {
						c := newClient(t, ep, tc.opts)
						err := c.Call(t.Context(), "t.ok", nil, nil)
						pe, ok := errors.AsType[*xmlrpc.ProtocolError](err)
						switch {
						case tc.wantCode == 0 && err != nil:
							t.Errorf("%s: %v", tc.name, err)
						case tc.wantCode != 0 && (!ok || pe.StatusCode != tc.wantCode):
							t.Errorf("%s: got %v, want HTTP %d", tc.name, err, tc.wantCode)
						}
					}
					call, _ := xmlrpc.MarshalCall("t.ok", nil)
					status, h, _ := post(t, ep, "POST", bytes.NewReader(call))
					if status != 401 || h.Get("WWW-Authenticate") != `Basic realm="default"` || h.Get("Connection") != "close" {
						t.Errorf("401 answer: %d %v", status, h)
					}
				})
			}
		})
	}
	if h := xmlrpc.BasicAuth(srv, "", "x"); h != http.Handler(srv) {
		t.Error("BasicAuth without a username wraps the handler")
	}
}

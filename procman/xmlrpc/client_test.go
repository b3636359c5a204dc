package xmlrpc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// roundTrips are Go values and what they become after a trip through a
// server that echoes its param: the package's canonical types.
func roundTrips() []struct {
	name string
	in   any
	want any
} {
	when := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
	type inner struct {
		A int    `xmlrpc:"a"`
		B []byte `xmlrpc:"b"`
	}
	type outer struct {
		Name  string            `xmlrpc:"name"`
		Items []inner           `xmlrpc:"items"`
		Tags  map[string]string `xmlrpc:"tags"`
		When  time.Time         `xmlrpc:"when"`
		Opt   *inner            `xmlrpc:"opt"`
	}
	return []struct {
		name string
		in   any
		want any
	}{
		{"int", 42, 42},
		{"int min", math.MinInt32, math.MinInt32},
		{"int max", math.MaxInt32, math.MaxInt32},
		{"int64", int64(-7), -7},
		{"uint8", uint8(200), 200},
		{"true", true, true},
		{"false", false, false},
		{"string", "hello", "hello"},
		{"empty string", "", ""},
		{"markup and line ends", "<a href=\"x\">&amp;</a>\r\n\t'q'\r", "<a href=\"x\">&amp;</a>\r\n\t'q'\r"},
		{"unicode", "日本語 🙂 é", "日本語 🙂 é"},
		{"control characters become U+FFFD", "a\x00b\x1b[31m", "a\uFFFDb\uFFFD[31m"},
		{"double", 3.141592653589793, 3.141592653589793},
		{"negative double", -1e-9, -1e-9},
		{"huge double", math.MaxFloat64, math.MaxFloat64},
		{"smallest double", math.SmallestNonzeroFloat64, math.SmallestNonzeroFloat64},
		{"float32", float32(1.5), 1.5},
		{"time", when, when},
		{"time in a zone", when.In(time.FixedZone("X", -5*3600)), when},
		{"bytes", []byte{0, 1, 2, 0xff, '<'}, []byte{0, 1, 2, 0xff, '<'}},
		{"empty bytes", []byte{}, []byte{}},
		{"nil", nil, nil},
		{"empty array", []any{}, []any{}},
		{"nil slice", []int(nil), []any{}},
		{"mixed array", []any{1, "x", true, 2.5, nil, []byte("b")}, []any{1, "x", true, 2.5, nil, []byte("b")}},
		{"typed slice", []string{"a", "b"}, []any{"a", "b"}},
		{"empty struct", map[string]any{}, map[string]any{}},
		{"map", map[string]int{"a": 1, "b": 2}, map[string]any{"a": 1, "b": 2}},
		{"nested", map[string]any{"l": []any{map[string]any{"m": []any{[]any{}}}}}, map[string]any{"l": []any{map[string]any{"m": []any{[]any{}}}}}},
		{"go struct", outer{
			Name:  "web",
			Items: []inner{{1, []byte("x")}, {2, nil}},
			Tags:  map[string]string{"env": "prod"},
			When:  when,
		}, map[string]any{
			"name":  "web",
			"items": []any{map[string]any{"a": 1, "b": []byte("x")}, map[string]any{"a": 2, "b": []byte{}}},
			"tags":  map[string]any{"env": "prod"},
			"when":  when,
			"opt":   nil,
		}},
		{"deep", deep(100), deep(100)},
	}
}

// deep returns arrays nested n deep.
func deep(n int) any {
	var v any = "bottom"
	for range n {
		v = []any{v}
	}
	return v
}

func echoServer() *xmlrpc.Server {
	srv := &xmlrpc.Server{}
	srv.Handle("t.echo", func(_ context.Context, params []any) (any, error) {
		if len(params) != 1 {
			return nil, xmlrpc.NewFault(xmlrpc.FaultIncorrectParameters)
		}
		return params[0], nil
	})
	srv.Handle("t.types", func(_ context.Context, params []any) (any, error) {
		names := make([]string, len(params))
		for i, p := range params {
			names[i] = fmt.Sprintf("%T", p)
		}
		return names, nil
	})
	return srv
}

func TestClientRoundTrip(t *testing.T) {
	for _, ep := range serveAll(t, rpcMux(echoServer())) {
		t.Run(ep.name, func(t *testing.T) {
			c := newClient(t, ep, nil)
			for _, tc := range roundTrips() {
				t.Run(tc.name, func(t *testing.T) {
					var got any
					if err := c.Call(t.Context(), "t.echo", []any{tc.in}, &got); err != nil {
						t.Fatal(err)
					}
					if !equalValues(got, tc.want) {
						t.Errorf("got  %#v\nwant %#v", got, tc.want)
					}
				})
			}
		})
	}
}

func TestClientTypedReply(t *testing.T) {
	srv := &xmlrpc.Server{}
	infos := []processInfo{
		{Name: "web_0", Group: "web", State: 20, StateName: "RUNNING", PID: 100, Description: "pid 100, uptime 1:00:00"},
		{Name: "worker", Group: "worker", State: 0, StateName: "STOPPED", Description: "Not started"},
	}
	srv.Handle("supervisor.getAllProcessInfo", func(context.Context, []any) (any, error) { return infos, nil })
	c := newClient(t, serveUnix(t, rpcMux(srv)), nil)
	var got []processInfo
	if err := c.Call(t.Context(), "supervisor.getAllProcessInfo", nil, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != infos[0] || got[1] != infos[1] {
		t.Errorf("got %+v", got)
	}
	var wrong []int
	err := c.Call(t.Context(), "supervisor.getAllProcessInfo", nil, &wrong)
	if _, ok := errors.AsType[*xmlrpc.DecodeError](err); !ok {
		t.Errorf("decoding structs into ints: %v", err)
	}
}

func TestClientMulticall(t *testing.T) {
	srv := echoServer()
	srv.Handle("t.fail", func(context.Context, []any) (any, error) { return nil, xmlrpc.Faultf(xmlrpc.FaultBadName, "x") })
	for _, ep := range serveAll(t, rpcMux(srv)) {
		t.Run(ep.name, func(t *testing.T) {
			c := newClient(t, ep, nil)
			results, err := c.Multicall(t.Context(), []xmlrpc.MethodCall{
				{Method: "t.echo", Params: []any{"a"}},
				{Method: "t.fail"},
				{Method: "t.echo", Params: []any{map[string]any{"k": 1}}},
				{Method: "t.nothing"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != 4 {
				t.Fatalf("%d results", len(results))
			}
			var s string
			if err := results[0].Decode(&s); err != nil || s != "a" {
				t.Errorf("result 0: %q %v", s, err)
			}
			if err := results[1].Decode(&s); !isFault(err, xmlrpc.FaultBadName) || results[1].Fault.String != "BAD_NAME: x" {
				t.Errorf("result 1: %v", err)
			}
			var m map[string]int
			if err := results[2].Decode(&m); err != nil || m["k"] != 1 {
				t.Errorf("result 2: %v %v", m, err)
			}
			if !isFault(results[3].Fault, xmlrpc.FaultUnknownMethod) {
				t.Errorf("result 3: %+v", results[3])
			}
			if results, err := c.Multicall(t.Context(), nil); err != nil || len(results) != 0 {
				t.Errorf("empty multicall: %v %v", results, err)
			}
		})
	}
}

func TestClientURLs(t *testing.T) {
	paths := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.URL.Path
		w.Write(xmlrpc.MarshalFault(xmlrpc.NewFault(xmlrpc.FaultFailed)))
	})
	ep := serveTCP(t, h)
	for _, tc := range []struct{ url, path string }{
		{ep.url, "/RPC2"},
		{ep.url + "/", "/RPC2"},
		{ep.url + "/RPC2", "/RPC2"},
		{ep.url + "/custom/xmlrpc", "/custom/xmlrpc"},
	} {
		c, err := xmlrpc.NewClient(tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Call(t.Context(), "a.b", nil, nil)
		c.Close()
		if got := <-paths; got != tc.path {
			t.Errorf("%s: posted to %s, want %s", tc.url, got, tc.path)
		}
	}
	for _, bad := range []string{"", "localhost:9001", "ftp://host/", "http://", "unix://", "http://user:pw@host:1/", "http://[::1", "tcp://127.0.0.1:9001"} {
		if _, err := xmlrpc.NewClient(bad, nil); err == nil || !strings.HasPrefix(err.Error(), "xmlrpc: ") {
			t.Errorf("NewClient(%q) = %v, want an error", bad, err)
		}
	}
}

func TestClientErrors(t *testing.T) {
	t.Run("no such socket", func(t *testing.T) {
		c, err := xmlrpc.NewClient("unix://"+filepath.Join(t.TempDir(), "none.sock"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.Call(t.Context(), "a.b", nil, nil)
		if !errors.Is(err, syscall.ENOENT) {
			t.Errorf("got %v, want ENOENT (supervisorctl's \"no such file\")", err)
		}
	})
	t.Run("canceled while the method runs", func(t *testing.T) {
		srv := &xmlrpc.Server{}
		started := make(chan struct{})
		srv.Handle("t.block", func(ctx context.Context, _ []any) (any, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		c := newClient(t, serveUnix(t, rpcMux(srv)), nil)
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-started
			cancel()
		}()
		if err := c.Call(ctx, "t.block", nil, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
	t.Run("status", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "gone fishing", http.StatusServiceUnavailable)
		})
		c := newClient(t, serveTCP(t, h), nil)
		err := c.Call(t.Context(), "a.b", nil, nil)
		pe, ok := errors.AsType[*xmlrpc.ProtocolError](err)
		if !ok || pe.StatusCode != 503 || pe.Body != "gone fishing" || err.Error() != "xmlrpc: HTTP status 503 Service Unavailable: gone fishing" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("not XML-RPC", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>hi</html>") })
		c := newClient(t, serveTCP(t, h), nil)
		if err := c.Call(t.Context(), "a.b", nil, nil); err == nil || !strings.Contains(err.Error(), "not a <methodResponse>") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("response too large", func(t *testing.T) {
		ep := serveTCP(t, rpcMux(echoServer()))
		c := newClient(t, ep, &xmlrpc.ClientOptions{MaxResponseBytes: 1000})
		if err := c.Call(t.Context(), "t.echo", []any{strings.Repeat("x", 999)}, nil); err == nil || !strings.Contains(err.Error(), "over 1000 bytes") {
			t.Errorf("got %v", err)
		}
		if err := c.Call(t.Context(), "t.echo", []any{"small"}, nil); err != nil {
			t.Errorf("a small response after a large one: %v", err)
		}
	})
	t.Run("unmarshallable args", func(t *testing.T) {
		c := newClient(t, serveTCP(t, rpcMux(echoServer())), nil)
		if err := c.Call(t.Context(), "t.echo", []any{int64(1) << 40}, nil); err == nil || !strings.Contains(err.Error(), "32 bits") {
			t.Errorf("got %v", err)
		}
	})
}

// TestClientGet streams a response as supervisord's /logtail does: chunked,
// flushed as the log grows, until the client goes away.
func TestClientGet(t *testing.T) {
	lines := make(chan string)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /logtail/{name}/{channel}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("name") != "web" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case l := <-lines:
				io.WriteString(w, l)
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				return
			}
		}
	})
	for _, ep := range serveAll(t, xmlrpc.BasicAuth(mux, "u", "p")) {
		t.Run(ep.name, func(t *testing.T) {
			c := newClient(t, ep, &xmlrpc.ClientOptions{Username: "u", Password: "p"})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			resp, err := c.Get(ctx, "/logtail/web/stdout")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
				t.Errorf("transfer encoding %q, want chunked (supervisorctl's tail -f reads chunks)", resp.TransferEncoding)
			}
			br := bufio.NewReader(resp.Body)
			for _, want := range []string{"one\n", "two\n"} {
				lines <- want
				got, err := br.ReadString('\n')
				if err != nil || got != want {
					t.Fatalf("read %q %v, want %q", got, err, want)
				}
			}
			cancel()
			if _, err := io.ReadAll(br); !errors.Is(err, context.Canceled) {
				t.Errorf("reading after cancel: %v", err)
			}

			_, err = c.Get(t.Context(), "/logtail/nobody/stdout")
			if pe, ok := errors.AsType[*xmlrpc.ProtocolError](err); !ok || pe.StatusCode != 404 {
				t.Errorf("missing log: %v", err)
			}
			anon := newClient(t, ep, nil)
			_, err = anon.Get(t.Context(), "/logtail/web/stdout")
			if pe, ok := errors.AsType[*xmlrpc.ProtocolError](err); !ok || pe.StatusCode != 401 {
				t.Errorf("without credentials: %v", err)
			}
			if _, err := c.Get(t.Context(), "logtail"); err == nil {
				t.Error("a relative path was accepted")
			}
		})
	}
}

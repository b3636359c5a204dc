package xmlrpc_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// endpoint is a server under test: how to reach it.
type endpoint struct {
	name string // "tcp" or "unix"
	url  string // the serverurl a client takes
	base string // for raw HTTP requests: the URL of /RPC2
	hc   *http.Client
}

// serveAll serves h at /RPC2 (and the rest of its paths) on a TCP loopback
// listener and on a unix socket in a temporary directory, and returns both
// endpoints. The servers are closed when the test ends.
func serveAll(t *testing.T, h http.Handler) []endpoint {
	t.Helper()
	return []endpoint{serveTCP(t, h), serveUnix(t, h)}
}

func serveTCP(t *testing.T, h http.Handler) endpoint {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	startHTTP(t, ln, h)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	url := "http://" + ln.Addr().String()
	return endpoint{name: "tcp", url: url, base: url + "/RPC2", hc: &http.Client{Transport: tr}}
}

func serveUnix(t *testing.T, h http.Handler) endpoint {
	t.Helper()
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	startHTTP(t, ln, h)
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, "unix", path)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return endpoint{name: "unix", url: "unix://" + path, base: "http://localhost/RPC2", hc: &http.Client{Transport: tr}}
}

// socketPath returns a path for a unix socket in a temporary directory,
// short enough for the 108-byte limit of sun_path.
func socketPath(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if len(dir) > 80 {
		var err error
		if dir, err = os.MkdirTemp("", "xr"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	return filepath.Join(dir, "s.sock")
}

func startHTTP(t *testing.T, ln net.Listener, h http.Handler) {
	t.Helper()
	srv := &http.Server{Handler: h}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

// newClient returns a client of ep, closed when the test ends.
func newClient(t *testing.T, ep endpoint, opts *xmlrpc.ClientOptions) *xmlrpc.Client {
	t.Helper()
	c, err := xmlrpc.NewClient(ep.url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rpcMux serves srv at /RPC2 the way supervisord routes: every path that
// starts with /RPC2.
func rpcMux(srv http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/RPC2", srv)
	mux.Handle("/RPC2/", srv)
	return mux
}

// equalValues reports whether a and b, values of the package's type
// mapping, are equal: as reflect.DeepEqual, except that times are equal
// when they are the same instant.
func equalValues(a, b any) bool {
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Equal(b)
	}
	return reflect.DeepEqual(a, b)
}

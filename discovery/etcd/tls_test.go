package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/etcdtest"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestTLS runs the registry against a member that serves https: with
// Config.TLS trusting its certificate, Register, GetService and Watch
// work; with roots that do not, calls fail with ErrUnavailable.
func TestTLS(t *testing.T) {
	leakcheck.Check(t)
	cert := rpctest.Cert()
	m := etcdtest.StartTLS(t, cert)
	if !strings.HasPrefix(m.ClientURL, "https://") {
		t.Fatalf("client URL %s, want https", m.ClientURL)
	}
	ctx := rpctest.Context(t)

	t.Run("trusted", func(t *testing.T) {
		// The endpoint without a scheme: Config.TLS makes it https.
		ep := strings.TrimPrefix(m.ClientURL, "https://")
		r := newTestRegistry(t, Config{Endpoints: []string{ep}, TLS: &tls.Config{RootCAs: cert.Pool}})
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		events, err := r.Watch(wctx, discovery.WatchFilter{Service: "math"})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(ctx, svc("math", "v1", "a"), discovery.RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := r.GetService(ctx, "math")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || len(got[0].Nodes) != 1 || got[0].Nodes[0].ID != "a" {
			t.Fatalf("GetService: %+v, want math v1 with node a", got)
		}
		if ev := next(t, events); ev.Type != discovery.EventAdd || ev.Node().ID != "a" || ev.Service.Name != "math" {
			t.Fatalf("event %v %+v, want add a", ev.Type, ev.Service)
		}
		// A second registry, given the https URL itself, sees the node.
		r2 := newTestRegistry(t, Config{Endpoints: []string{m.ClientURL}, TLS: &tls.Config{RootCAs: cert.Pool}})
		rpctest.WaitFor(t, "node a over https", func() bool {
			ids := nodes(t, r2, "math")
			return len(ids) == 1 && ids[0] == "a"
		})
		cancel()
		for range events {
		}
	})

	t.Run("untrusted", func(t *testing.T) {
		r := newTestRegistry(t, Config{Endpoints: []string{m.ClientURL},
			TLS: &tls.Config{RootCAs: x509.NewCertPool()}, RequestTimeout: time.Second})
		_, err := r.GetService(ctx, "math")
		var unknown x509.UnknownAuthorityError
		if !errors.Is(err, discovery.ErrUnavailable) || !errors.As(err, &unknown) {
			t.Fatalf("GetService: %v, want ErrUnavailable wrapping x509.UnknownAuthorityError", err)
		}
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = r.Register(rctx, svc("math", "v1", "x"), discovery.RegisterOptions{})
		if !errors.Is(err, discovery.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Register: %v, want ErrUnavailable wrapping context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Register returned after %v, want about its ctx's 500ms", d)
		}
		if _, err := r.Watch(ctx, discovery.WatchFilter{}); !errors.Is(err, discovery.ErrUnavailable) {
			t.Fatalf("Watch: %v, want ErrUnavailable", err)
		}
	})
}

package proxy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

func TestNewRefuses(t *testing.T) {
	pick := func(context.Context, proxy.Request) (string, error) { return "", nil }
	for name, cfg := range map[string]proxy.Config{
		"no upstream": {},
		"both":        {Addr: "127.0.0.1:1", Pick: pick},
	} {
		if _, err := proxy.New(cfg); !errors.Is(err, proxy.ErrNoUpstream) {
			t.Errorf("%s: New gave %v, want ErrNoUpstream", name, err)
		}
	}
}

func TestInstall(t *testing.T) {
	leakcheck.Check(t)
	p, err := proxy.New(proxy.Config{Addr: "127.0.0.1:1"})
	must(t, err)
	ep, err := rpc.NewEndpoint(rpc.Config{}, p)
	must(t, err)
	defer ep.Close()

	// The fallback is the proxy's: the application's is refused.
	if err := ep.Router().SetUnknownCall(func(*rpc.CallCtx) (any, error) { return nil, nil }); err == nil {
		t.Error("SetUnknownCall on a proxied router succeeded")
	}
	// One proxy serves one endpoint.
	if _, err := rpc.NewEndpoint(rpc.Config{}, p); !errors.Is(err, proxy.ErrInstalled) {
		t.Errorf("a second endpoint with the same proxy: %v, want ErrInstalled", err)
	}
	// Two proxies of one prefix cannot share an endpoint.
	p1, _ := proxy.New(proxy.Config{Addr: "127.0.0.1:1", Prefix: "/api"})
	p2, _ := proxy.New(proxy.Config{Addr: "127.0.0.1:2", Prefix: "/api", Calls: true})
	if _, err := rpc.NewEndpoint(rpc.Config{}, p1, renamed{p2}); err == nil {
		t.Error("two proxies for /api on one endpoint")
	}
}

// renamed gives a proxy another plugin name, so that rpc accepts it next
// to one of the same name and the proxy's own check is what refuses it.
type renamed struct{ *proxy.Proxy }

func (renamed) Name() string { return "proxy again" }

func TestPrefixes(t *testing.T) {
	leakcheck.Check(t)
	a := startBackend(t, "a", "", rpc.Config{})
	b := startBackend(t, "b", "", rpc.Config{})
	must(t, a.ep.Router().HandleCall("/a/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return "a", nil })))
	must(t, b.ep.Router().HandleCall("/b/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return "b", nil })))
	pa, err := proxy.New(proxy.Config{Addr: a.addr, Prefix: "/a"})
	must(t, err)
	pb, err := proxy.New(proxy.Config{Addr: b.addr, Prefix: "/b"})
	must(t, err)
	front, err := rpc.NewEndpoint(rpc.Config{ListenAddr: rpctest.Loopback(t)}, pa, pb)
	must(t, err)
	fb := &backend{ep: front}
	fb.serve(t)
	s := dial(t, fb.addr, rpc.Config{})
	ctx := rpctest.Context(t)
	for _, name := range []string{"a", "b"} {
		var who string
		must(t, s.Call(ctx, "/"+name+"/who", nil, &who))
		if who != name {
			t.Errorf("/%s/who answered by %q", name, who)
		}
	}
	// Outside both prefixes: no handler, as without a proxy.
	wantStatus(t, s.Call(ctx, "/math/add", []int{1}, nil), rpc.CodeNotFound)
}

package rpcdisc_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/etcd"
	"github.com/dmicro-go/dmicro/discovery/rpcdisc"
	"github.com/dmicro-go/dmicro/internal/etcdtest"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
)

// TestEtcd registers servers in a real etcd (skipped without the etcd
// binary, except under CI=true) and calls them through a Cache over it.
func TestEtcd(t *testing.T) {
	m := etcdtest.Start(t)
	leakcheck.Check(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	newReg := func() *etcd.Registry {
		r := etcd.NewRegistry(etcd.Config{Endpoints: []string{m.ClientURL}, Logger: quiet})
		t.Cleanup(func() { r.Close() })
		return r
	}
	// Each server has its own registry (its own lease), as separate
	// processes would.
	a := startServer(t, newReg(), "a", serverOpts{})
	startServer(t, newReg(), "b", serverOpts{})
	cache := discovery.NewCache(newReg(), discovery.CacheConfig{Logger: quiet})
	defer cache.Close()
	c := newClient(t, newClientEndpoint(t, rpc.Config{}), cache, rpcdisc.ClientConfig{RetryMin: 10 * time.Millisecond})
	waitNodes(t, c, 2)
	within(t, countCalls(t, c, 40), map[string]int{"a": 20, "b": 20}, 1)

	a.shutdown(t) // deregisters from etcd before going away
	waitNodes(t, c, 1)
	if got := countCalls(t, c, 10); got["b"] != 10 {
		t.Fatalf("after a's shutdown: %v", got)
	}
}

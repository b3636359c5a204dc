package rpcdisc_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/rpcdisc"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

const service = "greeter"

// server is an endpoint that registers itself as a node of service and
// answers /who with its id.
type server struct {
	id    string
	ep    *rpc.Endpoint
	addr  string
	hits  atomic.Int64
	done  chan error // Serve's result
	close sync.Once
}

type serverOpts struct {
	weight int
	format wire.Format
	reg    discovery.Registry // where it registers; the test's registry when nil
}

func startServer(t *testing.T, reg discovery.Registry, id string, o serverOpts) *server {
	t.Helper()
	if o.reg != nil {
		reg = o.reg
	}
	s := &server{id: id, done: make(chan error, 1)}
	ep, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0", Format: o.format},
		rpcdisc.Register(reg, rpcdisc.ServiceConfig{Name: service, NodeID: id, Weight: o.weight}))
	if err != nil {
		t.Fatal(err)
	}
	s.ep = ep
	err = ep.Router().HandleCall("/who", rpc.CallFunc(func(*rpc.CallCtx, *int) (string, error) {
		s.hits.Add(1)
		return id, nil
	}))
	if err == nil {
		err = ep.Router().HandleCall("/fail", rpc.CallFunc(func(*rpc.CallCtx, *int) (string, error) {
			s.hits.Add(1)
			return "", rpc.NewStatus(rpc.CodeUser, "refused by "+id)
		}))
	}
	if err != nil {
		t.Fatal(err)
	}
	l, err := ep.Listen(rpctest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go func() { s.done <- ep.Serve(l) }()
	t.Cleanup(s.kill)
	rpctest.WaitFor(t, "node "+id+" registered", func() bool { return registered(reg, id) })
	return s
}

// kill closes the endpoint (deregistering, unless its registry drops
// deregistrations) and waits for Serve to return.
func (s *server) kill() {
	s.close.Do(func() {
		s.ep.Close()
		<-s.done
	})
}

// shutdown shuts the endpoint down gracefully.
func (s *server) shutdown(t *testing.T) {
	s.close.Do(func() {
		if err := s.ep.Shutdown(rpctest.Context(t)); err != nil {
			t.Error(err)
		}
		s.ep.Close()
		<-s.done
	})
}

func registered(reg discovery.Registry, id string) bool {
	svcs, err := reg.GetService(context.Background(), service)
	if err != nil {
		return false
	}
	for _, s := range svcs {
		for _, n := range s.Nodes {
			if n.ID == id {
				return true
			}
		}
	}
	return false
}

// crashing is a registry whose Deregister does nothing: a server that
// registers through it vanishes without deregistering, like a crashed
// process.
type crashing struct{ discovery.Registry }

func (crashing) Deregister(context.Context, discovery.Service) error { return nil }

// dialCounter is a client plugin counting the failed dials per address.
type dialCounter struct {
	mu    sync.Mutex
	fails map[string]int
}

func (*dialCounter) Name() string { return "dial-counter" }

func (d *dialCounter) AfterDialFail(addr string, _ error, _ bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fails == nil {
		d.fails = map[string]int{}
	}
	d.fails[addr]++
	return nil
}

func (d *dialCounter) count(addr string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fails[addr]
}

func newClientEndpoint(t *testing.T, cfg rpc.Config, plugins ...rpc.Plugin) *rpc.Endpoint {
	t.Helper()
	ep, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep
}

func newClient(t *testing.T, ep *rpc.Endpoint, reg discovery.Registry, cfg rpcdisc.ClientConfig) *rpcdisc.Client {
	t.Helper()
	c, err := rpcdisc.NewClient(ep, reg, service, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// who calls /who and returns the answering server's id.
func who(ctx context.Context, c *rpcdisc.Client) (string, error) {
	var id string
	err := c.Call(ctx, "/who", 1, &id)
	return id, err
}

// countCalls makes n calls and counts the answers per server.
func countCalls(t *testing.T, c *rpcdisc.Client, n int) map[string]int {
	t.Helper()
	ctx := rpctest.Context(t)
	got := map[string]int{}
	for range n {
		id, err := who(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		got[id]++
	}
	return got
}

// waitNodes waits until the client picks among exactly n nodes.
func waitNodes(t *testing.T, c *rpcdisc.Client, n int) {
	t.Helper()
	rpctest.WaitFor(t, "the client to see the nodes", func() bool { return len(c.Nodes()) == n })
}
